// The snapclone GitHub Action (action.yml): inputs → one snapclone command, run in this process with JSON
// output; AWS credentials from the workflow's OIDC token (or those already in the environment); outputs and a
// job summary that never contain a secret.
import { PassThrough } from 'node:stream';
import * as core from '@actions/core';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { sessionName } from '../aws/names.ts';
import type { Io } from '../cli/context.ts';
import { main } from '../cli/main.ts';
import { currentPerson } from '../core/person.ts';
import { argvFor, COMMANDS, type ActionInputs } from './argv.ts';
import { encryptToSshKeys, supportedKey } from '../handoff/age.ts';
import { githubOidcCredentials } from './oidc-credentials.ts';
import { outputsOf, summaryOf, type HandOff, type SummaryView } from './report.ts';
import { loadConfig } from '../config/load.ts';
import { sealedDetails, type CredentialsJson } from './handoff-text.ts';
import type { Language } from './summary-text.ts';

function inputs(): ActionInputs {
  const command = core.getInput('command', { required: true }).trim();
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new Error(`command '${command}' is not one of ${COMMANDS.join(', ')}`);
  }
  const bool = (name: string) => core.getInput(name).trim().toLowerCase() === 'true';
  return {
    command: command as ActionInputs['command'],
    sources: core.getInput('sources').split(/[\s,]+/).filter(Boolean),
    date: core.getInput('date').trim(),
    at: core.getInput('at').trim(),
    latest: bool('latest'),
    name: core.getInput('name').trim(),
    set: core.getInput('set').trim(),
    ttl: core.getInput('ttl').trim(),
    target: core.getInput('target').trim(),
    config: core.getInput('config').trim() || 'snapclone.yaml',
    region: core.getInput('region').trim(),
    force: bool('force'),
    dryRun: bool('dry-run'),
    mine: bool('mine'),
  };
}

/**
 * Sessions of `role` for `person` from the workflow's OIDC identity, a fresh ID token for each (F9: GitHub's
 * tokens live five minutes, sessions an hour). Nothing else is used: keys and profiles in the environment are
 * dropped, and snapclone does not assume the target's role again on top of this one.
 */
function oidcSessions(role: string, person: string): AwsCredentialIdentityProvider {
  process.env.SNAPCLONE_ROLE_ASSUMED = role;
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN']) {
    delete process.env[key];
  }
  return githubOidcCredentials({
    roleArn: role,
    // The role's trust requires snapclone-<person>: CloudTrail names the person who ran the workflow.
    sessionName: sessionName(person),
    idToken: async () => {
      core.info(`A new session of ${role}: asking GitHub for an OIDC token`);
      return core.getIDToken('sts.amazonaws.com');
    },
  });
}

/** The message of an error line: with --output json (as the Action runs) a `{"error": …}` object, else `error: …`. */
function errorMessage(line: string): string | undefined {
  if (line.startsWith('error:')) return line.slice('error:'.length).trim();
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one snapclone command in this process: its JSON document, exit code and error lines (stderr goes to the log). */
async function runCli(argv: string[], credentials?: AwsCredentialIdentityProvider): Promise<{ code: number; json: string; errors: string[] }> {
  const stdout = new PassThrough();
  let json = '';
  stdout.on('data', (chunk: Buffer) => (json += chunk.toString()));
  // Progress and errors go to the log as they come; the error lines also make the step's failure message.
  const stderr = new PassThrough();
  const errors: string[] = [];
  stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      const message = errorMessage(line);
      if (message !== undefined) errors.push(`error: ${message}`);
    }
  });
  const io: Io = {
    env: process.env,
    cwd: process.cwd(),
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: process.stdin,
    credentials,
  };
  const code = await main(argv, io);
  return { code, json, errors };
}

/**
 * The public SSH keys GitHub publishes for `actor`, or why they could not be read: a refusal (403 when rate
 * limited) or a server error is not "no key". Asked with the workflow's token (input github-token) when given.
 */
async function publishedKeys(actor: string): Promise<{ keys: string[] } | { failure: string }> {
  const api = process.env.GITHUB_API_URL ?? 'https://api.github.com';
  const token = core.getInput('github-token').trim();
  try {
    const response = await fetch(`${api}/users/${encodeURIComponent(actor)}/keys`, {
      headers: { accept: 'application/vnd.github+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    if (!response.ok) return { failure: `HTTP ${response.status} ${response.statusText}`.trim() };
    return { keys: ((await response.json()) as { key?: string }[]).flatMap((k) => (k.key ? [k.key] : [])) };
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The clones' connection details (as `snapclone credentials` gives them: the URL, the client command, the path
 * to the clone), for the requester only: encrypted (age format) to the SSH public keys
 * GitHub publishes for the actor; the summary shows how to decrypt them. The password itself never reaches
 * the log, the summary or the outputs (docs/github.md). Nothing to hand off: undefined.
 */
async function handOff(
  person: string,
  names: string[],
  given: ActionInputs,
  language: Language,
  credentials?: AwsCredentialIdentityProvider,
): Promise<HandOff | undefined> {
  if (names.length === 0) return undefined;
  // The person the clone was made for: on a re-run, whoever started the re-run (GITHUB_TRIGGERING_ACTOR).
  const actor = process.env.GITHUB_TRIGGERING_ACTOR || process.env.GITHUB_ACTOR || person;
  const published = await publishedKeys(actor);
  if ('failure' in published) core.warning(`Could not read the SSH keys of ${actor} from GitHub: ${published.failure}`);
  const keys = 'keys' in published ? published.keys : [];
  const details: string[] = [];
  for (const name of names) {
    const out = await runCli(['credentials', ...argvFor({ ...given, command: 'list' }).slice(1), '--', name], credentials);
    if (out.code !== 0) continue;
    details.push(...sealedDetails(name, JSON.parse(out.json) as CredentialsJson, language));
  }
  if (details.length === 0) return undefined;
  const sealed = encryptToSshKeys(details.join('\n'), keys.filter(supportedKey));
  if (sealed) return { kind: 'sealed', actor, sealed };
  if ('failure' in published) return { kind: 'api-failure', actor, failure: published.failure };
  // The types of the keys age cannot use (sk-ssh-ed25519@openssh.com, ecdsa-sha2-nistp256, …), to say why.
  const unusable = [...new Set(keys.filter((k) => !supportedKey(k)).map((k) => k.trim().split(/\s+/)[0]))];
  return { kind: 'no-key', actor, unusable };
}

/**
 * docs/reaching-clones.md in the Action's own repository at the ref the workflow uses: the runner sets
 * GITHUB_ACTION_REPOSITORY and GITHUB_ACTION_REF for a step that runs an action from a repository (not for
 * `uses: ./…`, actions/runner#804); undefined there.
 */
function reachingClonesDoc(env: NodeJS.ProcessEnv): string | undefined {
  const repository = env.GITHUB_ACTION_REPOSITORY;
  const ref = env.GITHUB_ACTION_REF;
  if (!repository || !ref) return undefined;
  return `${env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}/blob/${ref}/docs/reaching-clones.md`;
}

/** The config's time zone, language and relays for the summary (the defaults when the config could not be read). */
function summaryView(path: string): SummaryView {
  const reachingDoc = reachingClonesDoc(process.env);
  try {
    const { config } = loadConfig(path, process.env, process.cwd());
    const relays = Object.fromEntries(Object.entries(config.targets).flatMap(([name, t]) => (t.connect ? [[name, t.connect.relay]] : [])));
    return { timeZone: config.timezone, language: config.language, relays, reachingDoc, sources: Object.keys(config.sources) };
  } catch {
    return { timeZone: 'Asia/Tokyo', language: 'en', relays: {}, reachingDoc };
  }
}

export async function run(): Promise<void> {
  try {
    const given = inputs();
    const argv = argvFor(given);
    const person = currentPerson(process.env);
    const role = core.getInput('role-to-assume').trim();
    const credentials = role ? oidcSessions(role, person) : undefined;
    const { code, json, errors } = await core.group(`snapclone ${argv.join(' ')}`, () => runCli(argv, credentials));
    const result = json.trim() ? (JSON.parse(json) as Record<string, unknown>) : {};
    const outputs = outputsOf(given.command, result);
    core.setOutput('result', JSON.stringify(result));
    core.setOutput('clones', JSON.stringify(outputs.clones));
    core.setOutput('names', outputs.clones.map((c) => c.name).join(' '));
    const view = summaryView(given.config);
    const handed = given.command === 'create' ? await handOff(person, outputs.clones.map((c) => c.name), given, view.language, credentials) : undefined;
    const why = errors.filter((l) => l.startsWith('error:')).map((l) => l.slice('error:'.length).trim());
    const summary = summaryOf(given, result, { person, repository: process.env.GITHUB_REPOSITORY ?? '' }, view, handed, code === 0 ? [] : why);
    await core.summary.addRaw(summary, true).write();
    if (code !== 0) {
      core.setFailed(`snapclone ${given.command} ended with exit code ${code}${why.length ? `: ${why.join('; ')}` : ' (see the log above)'}`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

// The SDK warns that future releases will need Node 22; the versions snapclone pins support Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await run();
