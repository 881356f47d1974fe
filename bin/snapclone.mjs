#!/usr/bin/env node
// Node 22.1 and later keep the compiled code of dist/ in their compile cache (in the system's temporary
// folder), so that later runs start faster; Node 20 has none.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/snapclone.mjs');
