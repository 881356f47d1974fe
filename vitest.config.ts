import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Where the end-to-end tests' sandboxes record the IAM actions snapclone's roles called; the summary reporter
// checks them against the generated policy and removes the folder (test/support/actions.ts).
const actionsDir = mkdtempSync(join(tmpdir(), 'snapclone-actions-'));
// Also when no summary reporter runs (the times-of-day runs of scripts/times-of-day.sh): gone when vitest exits.
process.on('exit', () => rmSync(actionsDir, { recursive: true, force: true }));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Many suites wait on the CLI processes and sandboxes they start: more workers than cores keeps both busy.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The SDK warns that releases after early 2027 need Node 22; the pinned versions support Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', SNAPCLONE_ACTIONS_DIR: actionsDir },
    reporters: ['default', ['./test/support/summary-reporter.ts', { actionsDir }]],
  },
});
