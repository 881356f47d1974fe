import { SimulatePrincipalPolicyCommand, type ContextEntry, type EvaluationResult, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from '../core/context.ts';
import { ExitCode, UsageError } from '../core/errors.ts';
import { TAG } from '../core/tags.ts';
import { explain } from '../cli/errors.ts';
import { enginesIn } from '../engines/index.ts';
import type { TargetRef } from '../engines/types.ts';
import type { Conditions } from '../iam/declare.ts';
import { declaredParts, permissionsIn, resourcesOf, scopeWhere, unboundBackupSources } from '../iam/policy.ts';
import { IAM_QUOTAS, policiesFor, policySize } from '../iam/split.ts';
import type { CommandResult } from '../output/render.ts';
import type { Tone } from '../output/colour.ts';
import { checkSourceKeys } from './doctor-keys.ts';
import { checkSecurityGroups } from './doctor-network.ts';
import { targetsToSearch } from './common.ts';

export interface DoctorOptions {
  target?: string;
}

export interface Check {
  target: string;
  check: string;
  ok: boolean;
  detail: string;
  /** What to do about a problem. */
  fix?: string;
  /** Something to look at that does not fail the run (shown as WARNING). */
  warning?: boolean;
}

/** A concrete resource for a declared ARN pattern: `db:snapclone-*` → `db:snapclone-doctor`. */
const sample = (arn: string) => (arn === '*' ? '*' : arn.replace(/\$\{[^}]+\}/g, 'doctor').replace(/\*$/, 'doctor').replace(/\*/g, 'doctor'));

/** A policy variable in a declared ARN (`session/${aws:SourceIdentity}-*`) gets the sample's value in the simulation's context. */
const variablesOf = (arns: string[]): ContextEntry[] =>
  [...new Set(arns.flatMap((a) => [...a.matchAll(/\$\{([^}*?$]+)\}/g)].map((m) => m[1])))].map((key) => ({
    ContextKeyName: key,
    ContextKeyValues: ['doctor'],
    ContextKeyType: 'string',
  }));

/**
 * The context a declared part's call carries, from the part's own condition: the tags it writes or the tags of
 * the clone it acts on, the service keys it must match (a sample value for each pattern).
 */
function contextOf(condition: Conditions | undefined): ContextEntry[] {
  // A policy variable stands for the sample value, so `*:snapclone-${aws:RequestTag/snapclone:owner}` meets an owner 'doctor'.
  const value = (v: string) => sample(v.replace(/\$\{[^}]+\}/g, 'doctor'));
  // A key another operator gives a value to (CacheNodeType: StringEquals and Null false) keeps that value.
  const valued = new Set(Object.entries(condition ?? {}).flatMap(([operator, keys]) => (operator === 'Null' ? [] : Object.keys(keys))));
  return Object.entries(condition ?? {}).flatMap(([operator, keys]) =>
    Object.entries(keys).flatMap(([name, values]): ContextEntry[] => {
      // IfExists keys are left out (they hold then); Null says whether a key is there at all.
      if (operator.endsWith('IfExists')) return [];
      if (operator === 'Null') return values[0] === 'true' || valued.has(name) ? [] : [{ ContextKeyName: name, ContextKeyValues: ['doctor'], ContextKeyType: 'string' }];
      const multi = operator.startsWith('ForAllValues:') || operator.startsWith('ForAnyValue:');
      return [{
        ContextKeyName: name,
        ContextKeyValues: [value(values[0])],
        ContextKeyType: multi ? 'stringList' : operator.startsWith('Bool') ? 'boolean' : operator.startsWith('Numeric') ? 'numeric' : 'string',
      }];
    }),
  );
}

/**
 * What IAM cannot bind (docs/iam.md, "Residual risks"): the sources whose manual snapshots and AWS Backup
 * recovery points any holder of the role may restore (no backupTag), one line each, as warnings.
 */
function checkUnboundRestoreInputs(ctx: Context, target: TargetRef): Check[] {
  return unboundBackupSources(ctx.config, target).map(({ engine, sources, inputs }) => ({
    target: target.name,
    check: `restore inputs (${engine})`,
    ok: true,
    warning: true,
    detail: `${inputs.join(', ')} unbound: without sources.<s>.backupTag (${sources.join(', ')}) anyone holding the role can restore any manual snapshot or AWS Backup recovery point of the account and region, not only the sources'; the janitor deletes such copies once expired`,
    fix: `Set sources.<s>.backupTag to a tag of each source that AWS copies onto its snapshots and recovery points.`,
  }));
}

/** The role a caller's policy comes from: the target's role, else the caller (an assumed role's role ARN). */
function policySource(target: TargetRef, callerArn: string): string {
  if (target.config.access.roleArn) return target.config.access.roleArn;
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

async function simulate(ctx: Context, target: TargetRef, source: string, actions: string[], resources: string[], context: ContextEntry[]) {
  const results: EvaluationResult[] = [];
  let marker: string | undefined;
  do {
    const out = await ctx.clients(target.name).of(IAMClient).send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: source, ActionNames: actions, ResourceArns: resources, ContextEntries: context, Marker: marker }),
    );
    results.push(...(out.EvaluationResults ?? []));
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  return results;
}

/** Every declared call allowed on what it acts on, with the context its condition gives it. */
async function checkAllowed(ctx: Context, target: TargetRef, source: string): Promise<Check> {
  const groups = new Map<string, { actions: Set<string>; resources: string[]; context: ContextEntry[] }>();
  for (const part of declaredParts(ctx.config, target)) {
    const resources = [...new Set(part.resources.map(sample))];
    const context = [...contextOf(part.condition), ...variablesOf(part.resources)];
    const key = JSON.stringify([resources, context]);
    const group = groups.get(key) ?? { actions: new Set<string>(), resources, context };
    for (const action of part.actions) group.actions.add(action);
    groups.set(key, group);
  }
  const missing: string[] = [];
  let count = 0;
  for (const g of groups.values()) {
    for (const r of await simulate(ctx, target, source, [...g.actions], g.resources, g.context)) {
      count++;
      if (r.EvalDecision !== 'allowed') missing.push(`${r.EvalActionName} on ${r.EvalResourceName}`);
    }
  }
  return missing.length === 0
    ? { target: target.name, check: 'permissions', ok: true, detail: `${count} declared calls allowed (policy simulation of ${source})` }
    : {
        target: target.name,
        check: 'permissions',
        ok: false,
        detail: `not allowed: ${missing.join('; ')}`,
        fix: `Apply the policy of snapclone iam policy --target ${target.name} to ${source} (see docs/iam.md).`,
      };
}

/** Tagging, changing or deleting a source must be denied, even if someone tagged it as a clone. */
async function checkSourcesDenied(ctx: Context, target: TargetRef, source: string): Promise<Check> {
  const open: string[] = [];
  let sources = 0;
  for (const engine of new Set(permissionsIn(ctx.config, target).map((p) => p.engine))) {
    const w = scopeWhere(ctx.config, target, engine);
    const arns = resourcesOf(engine, 'source', w);
    const writes = [
      ...new Set(
        [...engine.permissions.create, ...engine.permissions.delete]
          .filter((p) => p.write && p.on.includes('clone') && !p.on.includes('source'))
          .map((p) => p.action),
      ),
    ];
    if (arns.length === 0 || writes.length === 0) continue;
    sources += w.sources.length;
    const tagged: ContextEntry[] = [
      { ContextKeyName: `aws:ResourceTag/${TAG.managed}`, ContextKeyValues: ['true'], ContextKeyType: 'string' },
      { ContextKeyName: `aws:RequestTag/${TAG.managed}`, ContextKeyValues: ['true'], ContextKeyType: 'string' },
      { ContextKeyName: 'aws:TagKeys', ContextKeyValues: [TAG.managed], ContextKeyType: 'stringList' },
    ];
    for (const r of await simulate(ctx, target, source, writes, arns, tagged)) {
      if (r.EvalDecision === 'allowed') open.push(`${r.EvalActionName} on ${r.EvalResourceName}`);
    }
  }
  return open.length === 0
    ? { target: target.name, check: 'sources protected', ok: true, detail: `tagging, changing and deleting the ${sources} source(s) is denied` }
    : {
        target: target.name,
        check: 'sources protected',
        ok: false,
        detail: `the role may ${open.join('; ')}`,
        fix: `Remove the statements that allow these from ${source}; the generated policy denies them.`,
      };
}

/** The generated permissions fit IAM's quotas as customer-managed policies (what `iam template` attaches). */
function checkPolicySize(ctx: Context, target: TargetRef): Check {
  try {
    const policies = policiesFor(ctx.config, target.name);
    const largest = Math.max(...policies.map((p) => policySize(p.document)));
    return {
      target: target.name,
      check: 'policy size',
      ok: true,
      detail: `${policies.length} of at most ${IAM_QUOTAS.managedPoliciesPerRole} managed policies, the largest ${largest} of ${IAM_QUOTAS.managedPolicyChars} characters`,
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { target: target.name, check: 'policy size', ok: false, detail: error.message, fix: error.hint };
  }
}

/** Each engine's placement in the target exists (one line per engine). */
async function checkPlacements(ctx: Context, target: TargetRef): Promise<Check[]> {
  const engines = enginesIn(target);
  return Promise.all(
    engines.map(async (engine) => {
      const r = await engine.checkPlacement(target, ctx);
      return { target: target.name, check: engines.length > 1 ? `placement (${engine.name})` : 'placement', ...r };
    }),
  );
}

async function checkTarget(ctx: Context, target: TargetRef): Promise<Check[]> {
  let caller: string;
  try {
    const me = await ctx.clients(target.name).of(STSClient).send(new GetCallerIdentityCommand({}));
    caller = me.Arn ?? 'unknown';
  } catch (error) {
    const e = explain(error);
    return [
      {
        target: target.name,
        check: 'identity',
        ok: false,
        detail: e.message,
        fix: e.hint ?? `Check targets.${target.name}.access (role, external id, MFA) and your AWS credentials.`,
      },
    ];
  }
  const role = target.config.access.roleArn;
  const checks: Check[] = [
    { target: target.name, check: 'identity', ok: true, detail: role ? `${caller} (assumed ${role})` : caller },
  ];
  const source = policySource(target, caller);
  for (const run of [() => checkAllowed(ctx, target, source), () => checkSourcesDenied(ctx, target, source)]) {
    try {
      checks.push(await run());
    } catch (error) {
      const e = explain(error);
      checks.push({ target: target.name, check: 'policy simulation', ok: false, detail: e.message, fix: e.hint });
      break;
    }
  }
  checks.push(checkPolicySize(ctx, target));
  checks.push(...checkUnboundRestoreInputs(ctx, target));
  checks.push(...(await checkPlacements(ctx, target)));
  checks.push(...(await checkSecurityGroups(ctx, target)));
  checks.push(...(await checkSearch(ctx, target)));
  checks.push(...(await checkRelay(ctx, target)));
  checks.push(...(await checkSourceKeys(ctx, target, role ?? source)));
  return checks;
}

/** The relay `snapclone connect` forwards through (connect.relay) is managed by Session Manager and online. */
async function checkRelay(ctx: Context, target: TargetRef): Promise<Check[]> {
  const relay = target.config.connect?.relay;
  if (!relay) return [];
  const fix = `Start ${relay}; give it the SSM agent, an instance profile with AmazonSSMManagedInstanceCore and a route to the ssm, ssmmessages and ec2messages endpoints (VPC endpoints or NAT): docs/reaching-clones.md.`;
  try {
    const { SSMClient, DescribeInstanceInformationCommand } = await import('@aws-sdk/client-ssm');
    const out = await ctx.clients(target.name).of(SSMClient).send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [relay] }] }));
    const info = out.InstanceInformationList?.find((i) => i.InstanceId === relay);
    if (info?.PingStatus === 'Online') {
      return [{ target: target.name, check: 'relay', ok: true, detail: `${relay} is managed by Session Manager and online (agent ${info.AgentVersion ?? 'unknown'})` }];
    }
    const detail = info ? `${relay} is managed by Session Manager but ${info.PingStatus}` : `${relay} is not managed by Session Manager (no SSM agent has registered it)`;
    return [{ target: target.name, check: 'relay', ok: false, detail, fix }];
  } catch (error) {
    const e = explain(error);
    return [{ target: target.name, check: 'relay', ok: false, detail: e.message, fix: e.hint ?? fix }];
  }
}

/** OpenSearch's own checks (service-linked role; the repository role's trust and read-only permissions), when the target has OpenSearch. */
async function checkSearch(ctx: Context, target: TargetRef): Promise<Check[]> {
  if (!enginesIn(target).some((e) => e.name === 'opensearch')) return [];
  const { searchChecks } = await import('../engines/opensearch/doctor.ts');
  try {
    return (await searchChecks(ctx, target)).map((c) => ({ target: target.name, ...c }));
  } catch (error) {
    const e = explain(error);
    return [{ target: target.name, check: 'opensearch roles', ok: false, detail: e.message, fix: e.hint }];
  }
}

/**
 * snapclone doctor [--target T]: config, identity (the role can be assumed), permissions by IAM policy
 * simulation (every declared call allowed, every write on a source denied), and the placement. One line per
 * check; exit 0 only when every check passes, else 1.
 */
/** In a terminal: a problem in red, a warning in yellow, ok in green. */
const RESULT_TONES: Record<string, Tone> = { ok: 'green', WARNING: 'yellow', PROBLEM: 'red' };

export async function run(options: DoctorOptions, ctx: Context): Promise<CommandResult> {
  const checks: Check[] = [
    {
      target: '-',
      check: 'config',
      ok: true,
      detail: `${ctx.configPath}: ${Object.keys(ctx.config.targets).length} target(s), ${Object.keys(ctx.config.sources).length} source(s)`,
    },
  ];
  for (const target of targetsToSearch(ctx, options.target)) checks.push(...(await checkTarget(ctx, target)));
  const ok = checks.every((c) => c.ok);
  return {
    json: { ok, checks },
    table: {
      columns: ['target', 'check', 'result', 'detail'],
      rows: checks.map((c) => [c.target, c.check, c.ok ? (c.warning ? 'WARNING' : 'ok') : 'PROBLEM', c.fix ? `${c.detail} — ${c.fix}` : c.detail]),
      tone: (cell, column) => (column === 2 ? RESULT_TONES[cell] : undefined),
    },
    exitCode: ok ? ExitCode.ok : ExitCode.failed,
  };
}
