import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClients } from '../aws/session.ts';
import { isInteractive, makeReporter, type GlobalOptions, type Io } from '../cli/context.ts';
import { explain } from '../cli/errors.ts';
import { isError } from '../engines/shared/aws.ts';
import { UsageError } from '../core/errors.ts';
import { currentPerson } from '../core/person.ts';
import { initPolicy } from '../iam/init.ts';
import { discover, type Discovery } from '../init/discover.ts';
import type { AwsClients } from '../aws/session.ts';
import { planConfig, planLines, renderConfig } from '../init/config-text.ts';
import type { InitChoices } from '../init/plan.ts';
import { askChoices } from '../init/prompts.ts';
import type { Reporter } from '../output/reporter.ts';
import type { CommandResult } from '../output/render.ts';

export interface InitOptions {
  source: string[];
  subnetGroup?: string;
  cacheSubnetGroup?: string;
  securityGroup: string[];
  instanceClass?: string;
  auroraInstanceClass?: string;
  nodeType?: string;
  searchInstanceType?: string;
  searchRepository: string[];
  target: string;
  roleName: string;
  githubRepo: string[];
  githubEnvironment: string[];
  principal: string[];
  timezone: string;
  yes?: boolean;
  force?: boolean;
  printPolicy?: boolean;
}

/** `NAME=VALUE` flags as pairs; a UsageError names the flag and its form. */
function pairs(values: string[], flag: string, form: string): [string, string][] {
  return values.map((v) => {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1) throw new UsageError(`${flag} '${v}' is not ${form}`, `Write ${flag} ${form}.`);
    return [v.slice(0, i), v.slice(i + 1)];
  });
}

function repositories(values: string[]): InitChoices['searchRepositories'] {
  return Object.fromEntries(
    pairs(values, '--search-repository', 'NAME=REPOSITORY,BUCKET,ROLE_ARN').map(([name, rest]) => {
      const [repository, bucket, roleArn] = rest.split(',');
      if (!repository || !bucket || !roleArn) throw new UsageError(`--search-repository ${name}=${rest} is not NAME=REPOSITORY,BUCKET,ROLE_ARN`, 'Write --search-repository catalog-search=prod-snapshots,my-bucket,arn:aws:iam::123456789012:role/opensearch-snapshot-reader.');
      return [name, { name: repository, bucket, roleArn }];
    }),
  );
}

/** The choices the flags make (the prompts start from them in a terminal). */
function choicesFromFlags(o: InitOptions, d: Discovery): InitChoices {
  return {
    target: o.target,
    sources: pairs(o.source, '--source', 'NAME=ID').map(([name, id]) => ({ name, id })),
    subnetGroup: o.subnetGroup,
    cacheSubnetGroup: o.cacheSubnetGroup,
    securityGroupIds: o.securityGroup.length > 0 ? o.securityGroup : undefined,
    instanceClass: o.instanceClass,
    auroraInstanceClass: o.auroraInstanceClass,
    nodeType: o.nodeType,
    searchInstanceType: o.searchInstanceType,
    searchRepositories: repositories(o.searchRepository),
    roleName: o.roleName,
    // Not a secret (AWS: it guards against the confused deputy), but not guessable either.
    externalId: `snapclone-${randomBytes(12).toString('hex')}`,
    githubRepositories: o.githubRepo,
    githubEnvironments: o.githubEnvironment.length > 0 ? o.githubEnvironment : ['snapclone', 'snapclone-manage'],
    principals: [...new Set([d.caller, ...o.principal])],
    timezone: o.timezone,
  };
}

/** One line per discovered resource: what could be a source, and what it can be restored from. */
function summarize(d: Discovery, reporter: Reporter): void {
  reporter.info(`${d.account} ${d.region}, as ${d.caller}: ${d.sources.length} possible source(s), ${d.dbSubnetGroups.length} DB and ${d.cacheSubnetGroups.length} cache subnet group(s), ${d.securityGroups.length} security group(s), ${d.backupVaults.length} backup vault(s), ${d.backupPlans.length} backup plan(s)`);
  for (const s of d.sources) if (s.backupRules) reporter.info(`  ${s.engine} ${s.id}: ${planLines(s).join('; ')}`);
}

/**
 * Discovery with the caller's own credentials: a refusal says which permissions init needs (not the role's policy,
 * which does not exist yet).
 */
async function discoverAs(clients: AwsClients, reporter: Reporter): Promise<Discovery> {
  try {
    return await discover(clients, (what) => reporter.debug(`reading ${what}`));
  } catch (error) {
    if (!isError(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError')) throw error;
    throw new UsageError(
      explain(error).message,
      'init reads the account with your own credentials: get the read-only permissions `snapclone init --print-policy` prints (AWS\'s ReadOnlyAccess covers them too).',
    );
  }
}

/**
 * snapclone init: reads the account with the caller's own (read-only) credentials, takes which resources are
 * sources and where clones go from the flags or, in a terminal, from answers, and writes a commented config that
 * the schema loads and doctor checks. Refuses (exit 2, nothing read) to overwrite a file without --force.
 */
export async function run(o: InitOptions, globals: GlobalOptions, io: Io): Promise<CommandResult> {
  if (o.printPolicy) {
    const policy = initPolicy();
    return { json: policy, lines: [JSON.stringify(policy, null, 2)] };
  }
  const path = resolve(io.cwd, globals.config ?? 'snapclone.yaml');
  if (existsSync(path) && !o.force) throw new UsageError(`${path} exists; init does not overwrite it`, 'Pass --force to replace it, or --config PATH to write another file.');
  const reporter = makeReporter(globals, io);
  const asking = !o.yes;
  if (asking && !isInteractive(io)) {
    throw new UsageError('init asks which resources are sources and where clones go, and there is no terminal to ask in', 'Pass --yes with --source NAME=ID (and --subnet-group, --security-group … where there is more than one candidate).');
  }
  const region = globals.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('init needs a region to look in', 'Pass --region (e.g. ap-northeast-1), or set AWS_REGION.');
  // No config yet: a target of the caller's own credentials (no role), in that region, for the clients.
  const clients = createClients(
    { account: '000000000000', region, access: { durationSeconds: 3600 }, publicAccess: false, defaultTtl: '8h', maxTtl: '3d', maxRenewals: 0 },
    { profile: globals.profile, region, person: currentPerson(io.env), credentials: io.credentials },
  );
  const discovery = await discoverAs(clients, reporter);
  summarize(discovery, reporter);
  let choices = choicesFromFlags(o, discovery);
  if (asking) choices = await askChoices(discovery, choices, reporter);
  const plan = planConfig(discovery, choices);
  const header = [
    ` snapclone config written by snapclone init from ${discovery.account} ${discovery.region} (read-only).`,
    ' Every key is described in the README ("Configuration") and schema/snapclone.schema.json.',
    ` Next: snapclone iam template --target ${choices.target} (deploy it), then snapclone doctor.`,
  ].join('\n');
  writeFileSync(path, renderConfig(plan, header), { flag: o.force ? 'w' : 'wx' });
  for (const w of plan.warnings) reporter.warn(w);
  const sources = Object.entries(plan.config.sources as Record<string, { engine: string; id: string; restoreFrom: string; backupVault?: string }>);
  return {
    json: { path, target: choices.target, roleArn: `arn:aws:iam::${discovery.account}:role/${choices.roleName}`, sources: Object.fromEntries(sources), warnings: plan.warnings },
    table: { columns: ['source', 'engine', 'id', 'restores from'], rows: sources.map(([name, s]) => [name, s.engine, s.id, s.backupVault ? `AWS Backup (${s.backupVault})` : 'snapshots']) },
    lines: [
      `Wrote ${path}.`,
      `Next: snapclone iam template --target ${choices.target} > snapclone-iam.yaml, deploy it (docs/iam.md), then snapclone doctor.`,
    ],
  };
}
