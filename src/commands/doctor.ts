import { SimulatePrincipalPolicyCommand, type ContextEntry, type EvaluationResult, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from '../core/context.ts';
import { ExitCode } from '../core/errors.ts';
import { TAG } from '../core/tags.ts';
import { explain } from '../cli/errors.ts';
import { enginesIn } from '../engines/index.ts';
import type { Engine, TargetRef } from '../engines/types.ts';
import type { Permission } from '../iam/declare.ts';
import { permissionsIn, resourcesOf, scopeWhere } from '../iam/policy.ts';
import type { CommandResult } from '../output/render.ts';
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
}

/** A concrete resource for a declared ARN pattern: `db:snapclone-*` → `db:snapclone-doctor`. */
const sample = (arn: string) => (arn === '*' ? '*' : arn.replace(/\*$/, 'doctor').replace(/\*/g, 'doctor'));

/** The context a bound call carries: the tags it writes or the tags of the clone it acts on, and the service keys it must match. */
function contextOf(permission: Permission, engine: Engine, cloneArn: string, target: TargetRef): ContextEntry[] {
  const required = Object.entries(permission.requires?.(target.config) ?? {}).map(([name, patterns]): ContextEntry => ({
    ContextKeyName: name,
    ContextKeyValues: [sample(patterns[0])],
    ContextKeyType: 'string',
  }));
  return [...bindingContext(permission, engine, cloneArn), ...required];
}

function bindingContext(permission: Permission, engine: Engine, cloneArn: string): ContextEntry[] {
  const entry = (name: string, ...values: string[]): ContextEntry => ({
    ContextKeyName: name,
    ContextKeyValues: values,
    ContextKeyType: values.length > 1 ? 'stringList' : 'string',
  });
  switch (permission.bind) {
    case 'request':
      return [entry(`aws:RequestTag/${TAG.managed}`, 'true'), { ...entry('aws:TagKeys', TAG.managed), ContextKeyType: 'stringList' }];
    case 'resource':
      return [entry(`aws:ResourceTag/${TAG.managed}`, 'true')];
    case 'owned-by-clone':
      return [entry(`aws:ResourceTag/${engine.managedSecretOwnerTag ?? ''}`, cloneArn)];
    case 'passed-to-service':
      return [entry('iam:PassedToService', engine.passRoleService ?? '')];
    default:
      return [];
  }
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

/** Every declared call allowed on what it acts on, with the context its binding gives it. */
async function checkAllowed(ctx: Context, target: TargetRef, source: string): Promise<Check> {
  const groups = new Map<string, { actions: Set<string>; resources: string[]; context: ContextEntry[] }>();
  for (const { engine, permission } of permissionsIn(ctx.config, target)) {
    const w = scopeWhere(ctx.config, target, engine);
    const resources = [...new Set(permission.on.flatMap((scope) => resourcesOf(engine, scope, w)).map(sample))];
    if (resources.length === 0) continue;
    const context = contextOf(permission, engine, sample(resourcesOf(engine, 'clone', w)[0]), target);
    const key = JSON.stringify([resources, context]);
    const group = groups.get(key) ?? { actions: new Set<string>(), resources, context };
    group.actions.add(permission.action);
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
  checks.push(...(await checkPlacements(ctx, target)));
  checks.push(...(await checkSearch(ctx, target)));
  return checks;
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
      rows: checks.map((c) => [c.target, c.check, c.ok ? 'ok' : 'PROBLEM', c.fix ? `${c.detail} — ${c.fix}` : c.detail]),
    },
    exitCode: ok ? ExitCode.ok : ExitCode.failed,
  };
}
