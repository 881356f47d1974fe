import { connectCommand } from '../connect/clients.ts';
import { formatTime } from '../core/dates.ts';
import type { ActionInputs } from './argv.ts';
import { maskingStopOf, type MaskingStop } from './masking-stop.ts';
import { textFor, type Language } from './summary-text.ts';

/** One clone in the Action's `clones` output: never a secret. */
export interface CloneOutput {
  name: string;
  status: string;
  endpoint: string | null;
  expiresAt: string | null;
}

/** How the summary shows times and in which language (the config's `timezone` and `language`), and how clones are reached. */
export interface SummaryView {
  timeZone: string;
  language: Language;
  /** The relay instance of each target whose config has `connect.relay`; clones of other targets are reached directly. */
  relays: Record<string, string>;
  /** docs/reaching-clones.md as a URL, when known. */
  reachingDoc?: string;
  /** The config's source names (to tell a source from a set in the inputs). */
  sources?: string[];
}

/** What became of the connection details of the clones made (main.ts reads and seals them). */
export type HandOff =
  | { kind: 'sealed'; actor: string; sealed: string }
  | { kind: 'no-key'; actor: string; unusable: string[] }
  | { kind: 'api-failure'; actor: string; failure: string };

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : null);

function fromClone(c: Json): CloneOutput {
  const endpoint = c.endpoint as { host: string; port: number } | null | undefined;
  return {
    name: String(c.name ?? ''),
    status: String(c.status ?? c.result ?? ''),
    endpoint: endpoint ? `${endpoint.host}:${endpoint.port}` : null,
    expiresAt: str(c.expiresAt),
  };
}

/** The clones a command's JSON document names. */
export function outputsOf(command: ActionInputs['command'], result: Json): { clones: CloneOutput[] } {
  const list = (key: string) => ((result[key] as Json[] | undefined) ?? []).map(fromClone);
  switch (command) {
    case 'create':
    case 'list':
      return { clones: list('clones') };
    case 'show':
      return { clones: result.clone ? [fromClone(result.clone as Json)] : list('clones') };
    case 'delete':
      return { clones: list('deleted') };
    case 'extend':
      return { clones: list('extended') };
    case 'janitor':
      return { clones: list('resources') };
    case 'points':
      return { clones: [] };
  }
}

const cell = (v: unknown) => String(v ?? '-').replace(/\|/g, '\\|');
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const header = (names: readonly string[]) => [row([...names]), row(names.map(() => '---'))];

/** An ISO instant as the CLI shows it (`2026-11-20 03:00 +09:00`, in the config's zone); anything else as given. */
function timeIn(value: unknown, zone: string): string {
  const text = str(value);
  if (!text) return '-';
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) ? text : formatTime(instant, zone);
}

/**
 * The job summary (Markdown), for the requester who has no AWS access: what was made, from which restore
 * point, until when (in the config's time zone and language), whether its masking was verified, how to open
 * the sealed connection details, and the exact `gh workflow run` lines to extend and delete; for a clone whose
 * masking did not pass, that nothing was handed out and why. Never a password, and never a command the
 * requester cannot run (no `snapclone credentials`). `errors`: the messages of the command's error lines.
 */
export function summaryOf(
  i: ActionInputs,
  result: Json,
  who: { person: string; repository: string },
  view: SummaryView,
  handOff?: HandOff,
  errors: string[] = [],
): string {
  const t = textFor(view.language);
  const clones = outputsOf(i.command, result).clones;
  const lines = [`## snapclone ${i.command}`, ''];
  if (i.command === 'points') return [...lines, ...pointsSection(result, view)].join('\n');
  if (clones.length === 0) {
    // A single source's create that failed: its error is the whole story.
    const stops = errors.flatMap((e) => maskingStopOf(e) ?? []);
    const source = i.sources.length === 1 && view.sources?.includes(i.sources[0]) ? i.sources[0] : undefined;
    const others = errors.filter((e) => !maskingStopOf(e)).map((e) => t.commandFailed(e));
    if (stops.length === 0 && others.length === 0) lines.push(t.nothing);
    lines.push(...others.flatMap((line, k) => (k === 0 ? [line] : ['', line])));
    if (stops.length > 0) lines.push(...(others.length ? [''] : []), ...maskingStopSection(stops.map((stop) => ({ stop, source })), view.language));
    return lines.join('\n');
  }
  if (i.command !== 'create') {
    lines.push(t.timesIn(view.timeZone), '', ...header(t.listColumns));
    for (const c of clones) lines.push(row([`\`${cell(c.name)}\``, cell(c.status), cell(c.endpoint), cell(timeIn(c.expiresAt, view.timeZone))]));
    return lines.join('\n');
  }
  const made = (result.clones as Json[]) ?? [];
  lines.push(t.intro(who.person, str(result.set), view.timeZone), '', ...header(t.createColumns));
  for (const c of made) {
    const point = c.point as { kind: string; time: string; at?: string | null } | undefined;
    const connect = c.connect as { host: string; port: number; username: string | null } | null;
    lines.push(
      row([
        `\`${cell(c.name)}\``,
        cell(c.source),
        cell(point ? t.point(timeIn(point.at ?? point.time, view.timeZone), point.kind) : '-'),
        cell(c.status),
        cell(connect ? `${connect.host}:${connect.port}` : '-'),
        cell(connect?.username),
        cell(timeIn(c.expiresAt, view.timeZone)),
      ]),
    );
  }
  const verified = made.flatMap((c) => (/^verified /.test(String(c.masking)) ? [t.maskedVerified(String(c.name), String(c.masking).slice('verified '.length))] : []));
  if (verified.length > 0) lines.push('', ...verified.map((line) => `- ${line}`));
  const stops: { stop: MaskingStop; source?: string }[] = [];
  for (const f of (result.failed as Json[] | undefined) ?? []) {
    const stop = maskingStopOf(String(f.error));
    if (stop) stops.push({ stop, source: str(f.source) ?? undefined });
    else lines.push('', t.failed(cell(f.name), cell(f.source), cell(f.error)));
  }
  if (stops.length > 0) lines.push('', ...maskingStopSection(stops, view.language));
  lines.push(...reachSection(made, view, handOff?.kind === 'sealed'));
  if (handOff) lines.push('', ...handOffSection(handOff, view.language));
  lines.push(
    '',
    `### ${t.extendOrDelete}`,
    '',
    t.extendOrDeleteHow,
    '',
    '```sh',
    ...made.flatMap((c) => [
      `gh workflow run extend.yml --repo ${who.repository} -f name=${String(c.name)} -f ttl=1d`,
      `gh workflow run delete.yml --repo ${who.repository} -f name=${String(c.name)}`,
    ]),
    '```',
  );
  return lines.join('\n');
}

/**
 * How each clone is reached on the path its target's config sets: through the relay with `snapclone connect`
 * (and what to ask for without AWS access), or directly from inside the VPC or over the company VPN.
 */
function reachSection(made: Json[], view: SummaryView, sealed: boolean): string[] {
  const t = textFor(view.language);
  const reachable = made.filter((c) => c.connect);
  if (reachable.length === 0) return [];
  const lines = ['', `### ${t.reachTitle}`, ''];
  const paths = new Set<'relay' | 'direct'>();
  for (const c of reachable) {
    const name = String(c.name);
    const relay = view.relays[String(c.target)];
    const connect = c.connect as { host: string; port: number };
    const details = (c.details as Record<string, string> | undefined) ?? {};
    // The database or cache engine (postgres 16.3, valkey…) names the client; OpenSearch has none.
    const engine = details.dbEngine ?? details.cacheEngine ?? String(c.engine);
    paths.add(relay ? 'relay' : 'direct');
    lines.push(
      relay
        ? `- ${t.reachRelay(name, relay, connectCommand(name, engine, details.tls === 'on'))}`
        : `- ${t.reachDirect(name, `${connect.host.includes(':') ? `[${connect.host}]` : connect.host}:${connect.port}`)}`,
    );
  }
  const docs = t.reachDocs(view.reachingDoc);
  if (paths.has('relay')) lines.push('', t.reachRelayHelp(docs));
  if (paths.has('direct')) lines.push('', t.reachDirectHelp(docs));
  if (sealed) lines.push('', t.reachInSealed);
  return lines;
}

/** Clones whose masking did not pass: that nothing was handed out, what stopped each, and what to do next. */
function maskingStopSection(stops: { stop: MaskingStop; source?: string }[], language: Language): string[] {
  const t = textFor(language);
  const lines = [`### ${t.maskingStopTitle}`];
  for (const { stop, source } of stops) {
    lines.push('', t.maskingStop(stop));
    // As code: a problem quotes patterns such as '*email*' that Markdown would read as emphasis.
    if (stop.problems.length > 0) lines.push('', t.maskingProblems, '', ...stop.problems.map((p) => `- \`${p.replaceAll('`', "'")}\``));
    lines.push('', t.maskingNext(source));
  }
  return lines;
}

/** How the requester gets the connection details: install age, decrypt (bash/zsh, PowerShell), or why not. */
function handOffSection(handOff: HandOff, language: Language): string[] {
  const t = textFor(language);
  const title = `### ${t.connectionTitle(handOff.actor)}`;
  if (handOff.kind === 'api-failure') return [title, '', t.apiFailure(handOff.actor, handOff.failure)];
  if (handOff.kind === 'no-key') return [title, '', t.noKey(handOff.actor, handOff.unusable), '', ...t.makeKey];
  const armored = handOff.sealed.trimEnd();
  return [
    title,
    '',
    t.sealedFor(handOff.actor),
    '',
    `1. ${t.installAge}`,
    ...t.installLines.map((line) => `   - ${line}`),
    `2. ${t.pasteBash}`,
    '',
    '```sh',
    `age -d -i ~/.ssh/id_ed25519 <<'EOF'`,
    armored,
    'EOF',
    '```',
    '',
    t.pastePowerShell,
    '',
    '```powershell',
    "@'",
    armored,
    `'@ | age -d -i "$HOME\\.ssh\\id_ed25519"`,
    '```',
    '',
    t.agentOrSecurityKey,
    '',
    ...t.makeKey,
  ];
}

/** The restore points of a source, for choosing the clone workflow's date (the requester cannot run points). */
function pointsSection(result: Json, view: SummaryView): string[] {
  const t = textFor(view.language);
  const points = (result.points as Json[] | undefined) ?? [];
  if (points.length === 0) return [t.nothing];
  const rows = points.map((p) => {
    const time = p.earliest ? `${timeIn(p.earliest, view.timeZone)} … ${timeIn(p.time, view.timeZone)}` : timeIn(p.time, view.timeZone);
    return row([cell(time), cell(p.kind), `\`${cell(p.id)}\``]);
  });
  return [t.pointsIntro(String(result.source ?? ''), view.timeZone), '', ...header(t.pointsColumns), ...rows];
}
