import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import { relayOperatorPolicies } from './relay.ts';
import { savedActions } from './actions.ts';
import { hygieneProblems } from './hygiene.ts';

/** How many test files the suite has: a run of all of them can check that every declared action was called. */
function suiteSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? suiteSize(join(dir, e.name)) : e.name.endsWith('.test.ts') ? 1 : 0),
    0,
  );
}

/**
 * Prints the closing line CI reads: `N passed, N failed` (and skipped, when any). Before it, the IAM action
 * coverage of the end-to-end suite: an action a snapclone role called that the generated policy does not
 * allow, or (on a full run) an allowed action no test called, counts as a failure.
 */
export default class SummaryReporter implements Reporter {
  constructor(private readonly options: { actionsDir?: string } = {}) {}

  /** Secrets found in the outputs of snapclone runs (before the folder is removed by coverageProblems). */
  private hygieneProblems(): string[] {
    const dir = this.options.actionsDir;
    if (!dir || !existsSync(dir)) return [];
    const { problems, outputs, secrets } = hygieneProblems(dir);
    if (outputs > 0) process.stdout.write(`\nSecret hygiene: ${outputs} outputs of snapclone checked for ${secrets} secrets the sandboxes issued.\n`);
    return problems;
  }

  private coverageProblems(modules: number): string[] {
    const dir = this.options.actionsDir;
    if (!dir) return [];
    try {
      const called = savedActions(dir);
      if (called.size === 0) return [];
      const allowed = new Set(
        // The connect tests run under the same config with a relay (test/support/relay.ts).
        [...generatedOperatorPolicies(), ...relayOperatorPolicies()]
          .flatMap((d) => d.Statement)
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action ?? ''])),
      );
      const problems = [...called].filter((a) => !allowed.has(a)).map((a) => `called but not declared: ${a}`);
      if (modules >= suiteSize(join(process.cwd(), 'test'))) {
        problems.push(...[...allowed].filter((a) => !called.has(a)).map((a) => `declared but no test calls it: ${a}`));
      }
      return problems.sort();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const hygiene = this.hygieneProblems();
    if (hygiene.length > 0) {
      process.stdout.write(`\nSecret hygiene of the end-to-end suite:\n${hygiene.map((p) => `  ${p}`).join('\n')}\n`);
      failed += hygiene.length;
      process.exitCode = 1;
    }
    const problems = this.coverageProblems(testModules.length);
    if (problems.length > 0) {
      process.stdout.write(`\nIAM action coverage of the end-to-end suite:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
      failed += problems.length;
      process.exitCode = 1;
    }
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
