// The configs the conformance and two-evaluator tests generate policies for: variants of the sandbox scenario's
// config (sandbox/scenario/config.ts), each parsed by the real ConfigSchema, each with the target to build for.
import { ConfigSchema, type Config } from '../../../src/config/schema.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../../sandbox/scenario/config.ts';
import { COMPANY_ACCOUNT, COMPANY_REGION } from '../../../sandbox/scenario/constants.ts';

export const ENGINES = ['rds', 'aurora', 'elasticache', 'opensearch'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface MatrixEntry {
  label: string;
  config: Config;
  target: string;
}

/** The config as YAML holds it, before ConfigSchema: plain data, edited freely. */
type RawObject = Record<string, unknown>;
type RawTarget = RawObject & { access: RawObject; rds?: RawObject; aurora?: RawObject };
type RawSource = RawObject & { engine: EngineName; account: string; region: string };
type Raw = RawObject & { targets: Record<string, RawTarget>; sources: Record<string, RawSource> };

/** A second account and region: a team's own development account in another region. */
export const OTHER_ACCOUNT = '210987654321';
export const OTHER_REGION = 'us-east-1';

export const keyArn = (account: string, region: string, n: number) =>
  `arn:aws:kms:${region}:${account}:key/0a1b2c3d-0000-4000-8000-${String(n).padStart(12, '0')}`;

const base = (): Raw => structuredClone(scenarioConfig()) as unknown as Raw;
const dev = (raw: Raw) => raw.targets[SCENARIO_TARGET];

/** Keeps only some engines: their placements on every target and their sources. */
function only(raw: Raw, engines: readonly EngineName[]): Raw {
  for (const target of Object.values(raw.targets)) {
    for (const engine of ENGINES) if (!engines.includes(engine)) delete target[engine];
  }
  raw.sources = Object.fromEntries(Object.entries(raw.sources).filter(([, s]) => engines.includes(s.engine)));
  return raw;
}

function withPasswords(raw: Raw, p: { rds?: 'managed' | 'generated'; aurora?: 'managed' | 'generated'; rdsKey?: boolean; auroraKey?: boolean }): Raw {
  const t = dev(raw);
  if (p.rds) t.rds = { ...t.rds, password: p.rds, ...(p.rdsKey ? { kmsKeyId: keyArn(COMPANY_ACCOUNT, COMPANY_REGION, 1) } : {}) };
  if (p.aurora) t.aurora = { ...t.aurora, password: p.aurora, ...(p.auroraKey ? { kmsKeyId: keyArn(COMPANY_ACCOUNT, COMPANY_REGION, 2) } : {}) };
  return raw;
}

/** Clones reached through Session Manager on a relay (connect.relay): the ssm statements. */
function relay(raw: Raw): Raw {
  dev(raw).connect = { relay: 'i-0123456789abcdef0' };
  return raw;
}

function serverless(raw: Raw): Raw {
  dev(raw).aurora = { ...dev(raw).aurora, instanceClass: 'db.serverless' };
  return raw;
}

/** A source of an engine in an account: production names `<target>-<engine>-prod-<n>`, vaults per source. */
function source(engine: EngineName, account: string, region: string, target: string, n: number): RawSource {
  const id = `${target}-${engine}-prod-${n}`;
  const common = { engine, id, account, region, target };
  switch (engine) {
    case 'elasticache':
      return { ...common, restoreFrom: 'snapshot' };
    case 'opensearch':
      return {
        ...common,
        restoreFrom: 'snapshot',
        snapshotRepository: { name: `${id}-snapshots`, bucket: `${id}-snapshots`, roleArn: `arn:aws:iam::${account}:role/${id}-snapshot-role` },
      };
    default:
      return { ...common, restoreFrom: n % 3 === 0 ? 'snapshot' : 'backup', backupVault: n % 2 === 0 ? `vault-${target}-${n}` : 'Default' };
  }
}

/**
 * A second target `team` in OTHER_ACCOUNT / OTHER_REGION with the same placements, and `perAccount` more sources
 * in each account, cycling through `engines`.
 */
function twoAccounts(raw: Raw, perAccount: number, engines: readonly EngineName[], inFirst = perAccount): Raw {
  const second = structuredClone(dev(raw));
  delete second.access.trust;
  second.account = OTHER_ACCOUNT;
  second.region = OTHER_REGION;
  second.access = { ...second.access, roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/snapclone-operator` };
  second.backupRestoreRoleArn = `arn:aws:iam::${OTHER_ACCOUNT}:role/snapclone-backup-restore`;
  raw.targets['team'] = second;
  const sources = raw.sources;
  for (const [account, region, target, count] of [
    [COMPANY_ACCOUNT, COMPANY_REGION, SCENARIO_TARGET, inFirst],
    [OTHER_ACCOUNT, OTHER_REGION, 'team', perAccount],
  ] as const) {
    for (let n = 1; n <= count; n++) {
      const engine = engines[(n - 1) % engines.length];
      sources[`${target}-${engine}-${n}`] = source(engine, account, region, target, n);
    }
  }
  return raw;
}

function entries(label: string, raw: Raw): MatrixEntry[] {
  const config = ConfigSchema.parse(raw);
  return Object.keys(config.targets).map((target) => ({
    label: Object.keys(config.targets).length > 1 ? `${label} [${target}]` : label,
    config,
    target,
  }));
}

/** The configs the issue names: each engine alone and all together, passwords, KMS keys, Serverless v2, accounts. */
export function configMatrix(): MatrixEntry[] {
  return [
    ...entries('scenario: all engines', base()),
    ...entries('scenario + connect relay', relay(base())),
    ...entries('rds alone + connect relay', relay(only(base(), ['rds']))),
    ...ENGINES.flatMap((e) => entries(`${e} alone`, only(base(), [e]))),
    ...entries('rds managed', withPasswords(only(base(), ['rds']), { rds: 'managed' })),
    ...entries('rds managed + kmsKeyId', withPasswords(only(base(), ['rds']), { rds: 'managed', rdsKey: true })),
    ...entries('rds generated + kmsKeyId', withPasswords(only(base(), ['rds']), { rds: 'generated', rdsKey: true })),
    ...entries('aurora managed', withPasswords(only(base(), ['aurora']), { aurora: 'managed' })),
    ...entries('aurora managed + kmsKeyId', withPasswords(only(base(), ['aurora']), { aurora: 'managed', auroraKey: true })),
    ...entries('aurora serverless v2', serverless(only(base(), ['aurora']))),
    ...entries('aurora serverless v2, managed', serverless(withPasswords(only(base(), ['aurora']), { aurora: 'managed' }))),
    ...entries('all, both managed + both kmsKeyId', withPasswords(base(), { rds: 'managed', aurora: 'managed', rdsKey: true, auroraKey: true })),
    // The audit's F10 reproduction: one engine with a customer key, the other on the account's keys.
    ...entries('all, rds managed + kmsKeyId, aurora managed', withPasswords(base(), { rds: 'managed', aurora: 'managed', rdsKey: true })),
    ...entries('all, both managed, serverless v2', serverless(withPasswords(base(), { rds: 'managed', aurora: 'managed' }))),
    ...entries('several sources, two accounts and regions, several vaults', twoAccounts(base(), 4, ['rds', 'aurora'])),
    // The scenario's five sources in the company account, five more (every engine) in the team's.
    ...entries('ten sources over two accounts', twoAccounts(base(), 5, ENGINES, 0)),
  ];
}

/** The same target with one engine each (the parts a merged policy must not exceed); engines it does not configure are left out. */
export function perEngine(entry: MatrixEntry): MatrixEntry[] {
  const target = entry.config.targets[entry.target];
  const engines = ENGINES.filter((e) => target[e] !== undefined);
  if (engines.length < 2) return [];
  return engines.map((engine) => {
    const config = structuredClone(entry.config);
    for (const t of Object.values(config.targets)) for (const other of ENGINES) if (other !== engine) delete t[other];
    config.sources = Object.fromEntries(Object.entries(config.sources).filter(([, s]) => s.engine === engine));
    config.sets = {};
    return { label: `${entry.label} / ${engine}`, config: ConfigSchema.parse(config), target: entry.target };
  });
}
