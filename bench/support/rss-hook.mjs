// Loaded with `node --import` into a benchmarked CLI process: writes its peak resident set (kB) to the file
// SNAPCLONE_BENCH_RSS_OUT names, when it exits.
import { writeFileSync } from 'node:fs';

const out = process.env.SNAPCLONE_BENCH_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
