// The role refuses what the guard refuses (issue 20, "Done means"): generated requests — every action the policy
// allows × resources inside and outside the prefix, the configured sources, unconfigured production, restore inputs
// of sources and of other databases × resource tags × request tags × request parameters (public access, class, node
// type, TLS, AUTH, passed-to service…) — each authorized as AWS would (every resource of the call, each with the keys
// AWS supplies for it, plus tag-on-create's second authorization), by both evaluators: the sandbox's (its own
// per-resource context building) and @cloud-copilot/iam-simulate (the test's SAR reading). Whenever the guard model
// refuses a request, both must deny it, except the residuals below, where AWS offers no key.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configMatrix } from './support/config-matrix.ts';
import { fastSimulatorDecision, sandboxDecision, SESSION, sessionContext, type Decision } from './support/evaluators.ts';
import { guardRefusals, guardWorld, RULES, type GuardWorld, type Request, type Rule } from './support/guard-model.ts';
import { PLAIN_READS, requestWithBad, specs } from './support/guard-requests.ts';
import { policyDocuments } from './support/policies.ts';
import { contextOf, type Row } from './support/rows.ts';
import type { PolicyDocument } from '../../src/iam/policy.ts';

/**
 * THE allow-list: requests the guard refuses that IAM cannot refuse, because AWS supplies no condition key (or
 * no name) that tells them apart. Each is the sentence docs/iam.md gives for it (checked below); nothing else may
 * be allowed.
 */
const RESIDUALS: { id: string; sentence: string; applies: (r: Request, rule: Rule, w: GuardWorld) => boolean }[] = [
  {
    // ModifyDBInstance/ModifyDBCluster carry only rds:ManageMasterUserPassword: class and public access are invisible to IAM.
    id: 'rds-modify-placement',
    sentence:
      "The reference lists no key for the class or public access a `ModifyDBInstance` asks for (only `rds:ManageMasterUserPassword`; `rds:DatabaseClass` describes the instance as it is), nor public access for `ModifyDBCluster`: the role can resize a clone or make it public with the aws CLI; only the janitor's checks of clones as AWS describes them catch it.",
    applies: (r, rule) => rule === 'placement' && /^rds:ModifyDB(Instance|Cluster)$/.test(r.action),
  },
  {
    // What OpenSearch's data plane puts in iam:PassedToService is undocumented: the repository role is passed unconditioned.
    id: 'pass-repository-role',
    sentence:
      "The repository role passed to OpenSearch carries no condition, as what OpenSearch's data plane puts in `iam:PassedToService` is undocumented: the statement names exactly the configured repository role(s).",
    applies: (r, rule, w) => rule === 'pass-role' && r.resources.every((t) => w.sources.some((s) => s.roleArn === t.arn)),
  },
  {
    // es:CreateDomain has no key for VPCOptions (nor instance type/count): a domain outside the VPC passes IAM.
    id: 'opensearch-placement',
    sentence: 'OpenSearch placement (VPC, instance type and count) cannot be bound by IAM: the service offers no condition key for it; the janitor deletes any <prefix>-* domain outside the placement.',
    applies: (r, rule) => rule === 'placement' && r.action === 'es:CreateDomain',
  },
  {
    // RDS creates and tags a clone's managed secret with the caller's rights; IAM sees that tag write exactly as a
    // tag write on an existing rds! secret that has no RDS tag (IfExists), so the latter cannot be refused.
    id: 'untagged-rds-secret',
    sentence:
      "An `rds!` secret without RDS's own `aws:rds:primaryDBInstanceArn` or `aws:rds:primaryDBClusterArn` tag cannot be told by IAM from the new secret RDS tags for a clone with the caller's rights, so IAM alone would let the role tag it as a clone's; Secrets Manager itself refuses `aws:` tag keys from callers and RDS always sets that tag, so it holds in practice.",
    applies: (r, rule) =>
      rule === 'production-secret' &&
      r.action === 'secretsmanager:TagResource' &&
      r.resources.some((t) => t.name.startsWith('rds!') && t.role === 'changes' && !Object.keys(t.tags ?? {}).some((k) => k.startsWith('aws:rds:'))),
  },
  {
    // A manual snapshot's name is free text, a recovery point's is AWS Backup's job id: only a tag AWS copies onto
    // them (sources.<s>.backupTag) ties them to a source; without one, the engine's snapshots are granted unbound.
    // The grant for them is the engine's snapshot:* (cluster-snapshot:*), which takes in other databases' automated snapshots too.
    id: 'unbound-backups',
    sentence:
      'Manual snapshots and AWS Backup recovery points name no source: unless every source of an engine names in `sources.<s>.backupTag` a tag AWS copies onto them, the role can restore any snapshot of that engine in the account and region (automated ones of other databases included), not only the sources\' (`doctor` warns, per engine).',
    applies: (r, rule, w) =>
      rule === 'restore-input' &&
      r.resources.some(
        (t) => t.role === 'input' && ['manual', 'backup', 'automated'].includes(t.input?.form ?? '') && w.sources.some((s) => s.engine === engineOfInput(t.arn) && !s.backupTag),
      ),
  },
];

/**
 * Residuals of requests this property does not generate (a parameter or a second call it does not model), each the
 * sentence docs/iam.md gives and proven where named.
 */
const NOT_GENERATED: { id: string; sentence: string; provenBy: string }[] = [
  {
    id: 'elasticache-shards',
    sentence:
      "ElastiCache's `CreateReplicationGroup` has no key for the number of shards (`NumNodeGroups` follows the snapshot): the role can create a clone with more shards than its source, which the janitor deletes as bigger than the placement.",
    provenBy: 'test/cli/janitor-placement.test.ts (bigger than the placement)',
  },
  {
    id: 'tag-at-creation',
    sentence:
      'At creation a tag write is checked on a resource not yet marked, so the role can tag an untagged `<prefix>-*` resource someone else made into a clone in one call (with every snapclone tag, itself as owner), and then change or delete it: name nothing you keep `<prefix>-*`, or tag it `snapclone:managed=false`.',
    provenBy: 'test/cli/guard.test.ts (an untagged restore taken over with --force)',
  },
  {
    id: 'rename-out-of-prefix',
    sentence:
      '`ModifyDBInstance --new-db-instance-identifier` has no key for the new name: the role can rename a clone out of the prefix (security L6), after which it can no longer change or delete it, and the janitor reports it as skipped.',
    provenBy: 'test/cli/janitor-placement.test.ts "reports a clone renamed out of the prefix (security review L6)…"',
  },
];

/** The engine whose snapshots an input ARN names (RDS instance, Aurora cluster or ElastiCache snapshots). */
const engineOfInput = (arn: string) => (arn.includes(':elasticache:') ? 'elasticache' : arn.includes(':cluster-snapshot:') ? 'aurora' : 'rds');

/** The configs of the issue: the scenario, ten sources over two accounts (both targets), managed passwords with KMS keys. */
const CONFIGS = ['scenario: all engines', 'ten sources over two accounts [dev]', 'ten sources over two accounts [team]', 'all, both managed + both kmsKeyId'];
const RUNS = 60;

/** The authorizations AWS makes for a request: each resource of the call, and tag-on-create's on the created resource. */
function rowsOf(r: Request): Row[] {
  const rows: Row[] = r.resources.map((t) => ({
    action: r.action,
    resourceType: t.type,
    resource: t.arn,
    kind: t.kind,
    resourceTags: t.role === 'creates' ? undefined : t.tags,
    requestTags: r.requestTags,
    params: r.params,
  }));
  const created = r.resources.find((t) => t.role === 'creates');
  if (r.tagOnCreate && created && Object.keys(r.requestTags ?? {}).length > 0) {
    rows.push({ action: r.tagOnCreate, resourceType: created.type, resource: created.arn, kind: 'new', requestTags: r.requestTags, params: {} });
  }
  return rows;
}

const allowsAll = (decisions: Decision[]) => (decisions.every((d) => d === 'allow') ? 'allow' : 'deny');

async function decide(docs: PolicyDocument[], r: Request, w: GuardWorld) {
  const session = sessionContext(w.account);
  const rows = rowsOf(r);
  const sandbox = allowsAll(rows.map((row) => sandboxDecision(docs, row, session)));
  const simulator = allowsAll(await Promise.all(rows.map((row) => fastSimulatorDecision(docs, row, { ...contextOf(row), ...session }, w.account))));
  return { sandbox, simulator };
}

const show = (r: Request) =>
  [
    r.action,
    ...r.resources.map((t) => `${t.role}=${t.arn}${t.tags ? ` {${Object.entries(t.tags).map(([k, v]) => `${k}=${v}`).join(',')}}` : ''}`),
    `requestTags={${Object.entries(r.requestTags ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}}`,
    `params={${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(',')}}`,
  ].join(' ');

const matrix = configMatrix();

describe('the role refuses what the guard refuses (generated requests, both evaluators)', () => {
  it.each(CONFIGS)('%s', async (label) => {
    const entry = matrix.find((e) => e.label === label)!;
    const docs = policyDocuments(entry.config, entry.target);
    const w = guardWorld(entry.config, entry.target, SESSION.person);
    const all = specs(w);
    const actions = [...new Set(docs.flatMap((d) => d.Statement).filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()))].sort();
    // Every action the role is allowed is generated, or is a read the guard never refuses.
    expect(actions.filter((a) => !all[a] && !PLAIN_READS.test(a))).toEqual([]);
    const violations: string[] = [];
    let checked = 0;
    for (const action of actions.filter((a) => all[a])) {
      const spec = all[action];
      // Not vacuous: what snapclone itself asks for (every dimension good) passes the guard and both evaluators,
      // so a bad request's denial comes from the dimension that made it bad.
      for (const r of fc.sample(requestWithBad(spec, ''), 3)) {
        expect(guardRefusals(r, w), show(r)).toEqual([]);
        expect(await decide(docs, r, w), show(r)).toEqual({ sandbox: 'allow', simulator: 'allow' });
      }
      for (const dim of Object.keys(spec.dims).filter((d) => spec.dims[d].bad)) {
        const result = await fc.check(
          fc.asyncProperty(requestWithBad(spec, dim), async (r) => {
            const refusals = guardRefusals(r, w);
            fc.pre(refusals.length === 1);
            if (RESIDUALS.some((x) => x.applies(r, refusals[0], w))) return true;
            const { sandbox, simulator } = await decide(docs, r, w);
            checked++;
            return sandbox !== 'allow' && simulator !== 'allow';
          }),
          { numRuns: RUNS },
        );
        if (result.failed && result.counterexample) {
          const [r] = result.counterexample;
          const rule = guardRefusals(r, w)[0];
          const { sandbox, simulator } = await decide(docs, r, w);
          violations.push(`[${rule}] ${RULES[rule]}\n  ${show(r)}\n  sandbox=${sandbox} iam-simulate=${simulator} (fast-check seed ${result.seed})`);
        } else if (result.failed) {
          violations.push(`${action} ${dim}: the property threw (fast-check seed ${result.seed})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(violations.sort().join('\n')).toBe('');
  });

  it('the residuals are exactly the list docs/iam.md gives under "Residual risks", one sentence each', () => {
    const text = readFileSync(new URL('../../docs/iam.md', import.meta.url), 'utf8');
    const section = text.slice(text.indexOf('## Residual risks'), text.indexOf('\n## ', text.indexOf('## Residual risks') + 1));
    const bullets = section.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2).trim());
    expect(bullets.sort()).toEqual([...RESIDUALS, ...NOT_GENERATED].map((x) => x.sentence).sort());
  });
});
