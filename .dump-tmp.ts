import { NormalizedSchema } from '@smithy/core/schema';
const [pkg, op, which = 'both', depthArg = '3'] = process.argv.slice(2);
const mod = await import(pkg) as Record<string, unknown>;
const s = mod[`${op}$`] as unknown[];
function show(ns: NormalizedSchema, indent: string, depth: number, seen: Set<string>) {
  if (ns.isStructSchema()) {
    for (const [name, m] of ns.structIterator()) {
      const t = m.getMergedTraits();
      const kind = m.isStructSchema() ? 'struct' : m.isListSchema() ? 'list' : m.isMapSchema() ? 'map' : m.isTimestampSchema() ? 'ts' : m.isNumericSchema() ? 'num' : m.isBooleanSchema() ? 'bool' : 'str';
      const tn = m.isStructSchema() ? m.getName() : m.isListSchema() ? `of ${m.getValueSchema().getName?.() ?? ''} xml=${m.getValueSchema().getMergedTraits().xmlName ?? ''}` : '';
      console.log(`${indent}${name}: ${kind} ${tn} ${JSON.stringify(t)}`);
      if (depth > 0) {
        if (m.isStructSchema()) show(m, indent + '  ', depth - 1, seen);
        if (m.isListSchema() && m.getValueSchema().isStructSchema()) show(m.getValueSchema(), indent + '  ', depth - 1, seen);
        if (m.isMapSchema() && m.getValueSchema().isStructSchema()) show(m.getValueSchema(), indent + '  ', depth - 1, seen);
      }
    }
  }
}
console.log('TRAITS', JSON.stringify(s[3]));
if (which !== 'out') { console.log('== INPUT', NormalizedSchema.of(s[4]).getName()); show(NormalizedSchema.of(s[4]), '  ', +depthArg, new Set()); }
if (which !== 'in') { console.log('== OUTPUT', NormalizedSchema.of(s[5]).getName()); show(NormalizedSchema.of(s[5]), '  ', +depthArg, new Set()); }
