import { main } from './main.ts';

// The SDK warns that future releases will need Node 22; the versions snapclone pins support Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// CI systems often pass every variable, empty when unused: an empty SNAPCLONE_* variable is not set.
for (const key of Object.keys(process.env)) if (key.startsWith('SNAPCLONE_') && process.env[key] === '') delete process.env[key];

const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
process.exitCode = code;
