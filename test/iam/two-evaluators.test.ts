// The generated policy decided by two evaluators, the sandbox's and @cloud-copilot/iam-simulate, for every config
// of the matrix: each allowed action × resources of every type AWS authorizes it on (clones, outside the prefix,
// configured sources and placement, unconfigured production) × resource tags × request tags × the parameters the
// policy conditions on, each with the request context AWS would supply (only the keys the SAR lists for that
// action and resource type). On disagreement, a table of the rows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configMatrix, type MatrixEntry } from './support/config-matrix.ts';
import { fastSimulatorDecision, sandboxDecision, simulatorDecision, validateForSimulator, type Decision } from './support/evaluators.ts';
import { policyDocuments } from './support/policies.ts';
import { arnOf, contextOf, parameterSets, requestTagSets, resourceTagSets, rowsOf, worldOf, type Context, type Row, type Tags } from './support/rows.ts';
import { sarAction } from './support/sar.ts';

interface Disagreement {
  row: Row;
  context: Context;
  sandbox: Decision;
  simulator: Decision;
  note?: string;
}

const tags = (t: Tags | undefined) => (t ? Object.entries(t).map(([k, v]) => `${k}=${v}`).join(',') : '-');

/** One line per disagreeing row (at most 40), for the failure message. */
function table(rows: Disagreement[]): string {
  const lines = rows.slice(0, 40).map((d) =>
    [
      d.row.action,
      d.row.resource,
      d.row.kind,
      `res:${tags(d.row.resourceTags)}`,
      `req:${tags(d.row.requestTags)}`,
      `ctx:${Object.entries(d.context).map(([k, v]) => `${k}=${[v].flat().join('+')}`).join(',') || '-'}`,
      `sandbox=${d.sandbox}`,
      `iam-simulate=${d.simulator}`,
      d.note ?? '',
    ].join(' | '),
  );
  if (rows.length > 40) lines.push(`… and ${rows.length - 40} more`);
  return lines.join('\n');
}

const matrix = configMatrix();

describe('the sandbox evaluator and iam-simulate agree on the generated policy', () => {
  it.each(matrix.map((e) => [e.label, e] as const))('%s', async (_label, entry) => {
    const docs = policyDocuments(entry.config, entry.target);
    const world = worldOf(entry.config, entry.target);
    expect(await validateForSimulator(docs, world.account)).toEqual([]);
    const rows = rowsOf(docs, world);
    const disagreements: Disagreement[] = [];
    const decisions = new Set<Decision>();
    const kinds = new Set<string>();
    for (const { row, context } of rows) {
      const sandbox = sandboxDecision(docs, row);
      const simulator = await fastSimulatorDecision(docs, row, context, world.account);
      decisions.add(sandbox);
      kinds.add(row.kind);
      if (sandbox !== simulator) disagreements.push({ row, context, sandbox, simulator });
    }
    expect(table(disagreements)).toBe('');
    // Not a vacuous table: rows of every kind of resource, and every kind of decision.
    expect([...decisions].sort()).toEqual(['allow', 'explicit-deny', 'implicit-deny'].filter((d) => d !== 'explicit-deny' || docs.some((doc) => doc.Statement.some((s) => s.Effect === 'Deny'))));
    for (const kind of ['clone', 'outside', 'unconfigured', 'configured']) expect(kinds).toContain(kind);
    if (Object.values(entry.config.sources).some((s) => s.account === world.account && s.region === world.region)) expect(kinds).toContain('source');
  });
});

/** Random rows of one config: any action it allows, any resource type of it, names, tags and parameters drawn freely. */
function randomRows(entry: MatrixEntry) {
  const docs = policyDocuments(entry.config, entry.target);
  const world = worldOf(entry.config, entry.target);
  const actions = [...new Set(docs.flatMap((d) => d.Statement).filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action))].filter((a) => sarAction(a));
  const named = [...world.names.values()].flat().filter((n) => !n.name.startsWith('arn:'));
  const tagKeys = [...new Set([...resourceTagSets(docs), ...requestTagSets(world.prefix)].flatMap((t) => Object.keys(t ?? {})))];
  const tagValues = [...new Set([...resourceTagSets(docs), ...requestTagSets(world.prefix)].flatMap((t) => Object.values(t ?? {})))];
  const params = parameterSets(docs);
  const tagSet = fc.option(fc.dictionary(fc.constantFrom(...tagKeys), fc.constantFrom(...tagValues), { maxKeys: 3 }), { nil: undefined });
  const row = fc
    .record({
      action: fc.constantFrom(...actions),
      typeIndex: fc.nat(),
      name: fc.oneof(
        fc.constantFrom(...named).map((n) => ({ kind: n.kind, name: n.name })),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/).map((name) => ({ kind: 'random', name })),
        fc.stringMatching(/^[a-z0-9-]{1,8}$/).map((name) => ({ kind: 'clone', name: `${world.prefix}-${name}` })),
      ),
      resourceTags: tagSet,
      requestTags: tagSet,
      params: fc.constantFrom(...params),
    })
    .map(({ action, typeIndex, name, resourceTags, requestTags, params: p }): Row => {
      const types = sarAction(action)!.resourceTypes;
      if (types.length === 0) return { action, resource: '*', kind: 'any', resourceTags, requestTags, params: p };
      const type = types[typeIndex % types.length].name;
      // A bucket's name has no path: an OpenSearch domain's (domain/snapclone-x/_cat/indices) would make no bucket ARN.
      const resource = type === 'bucket' ? name.name.split('/')[0] : name.name;
      return { action, resourceType: type, resource: arnOf(world, action.split(':')[0], type, resource)!, kind: name.kind, resourceTags, requestTags, params: p };
    });
  return { docs, world, row };
}

describe('random rows (fast-check), through iam-simulate’s checked entry point', () => {
  for (const label of ['scenario: all engines', 'all, rds managed + kmsKeyId, aurora managed']) {
    it(label, async () => {
      const { docs, world, row } = randomRows(matrix.find((e) => e.label === label)!);
      await fc.assert(
        fc.asyncProperty(row, async (r) => {
          const context = contextOf(r);
          const { decision, ignored } = await simulatorDecision(docs, r, context, world.account);
          const sandbox = sandboxDecision(docs, r);
          const note = ignored.length > 0 ? `iam-simulate ignored ${ignored.join(',')}` : undefined;
          expect(table(sandbox !== decision || note ? [{ row: r, context, sandbox, simulator: decision, note }] : [])).toBe('');
        }),
        { numRuns: 150 },
      );
    });
  }
});
