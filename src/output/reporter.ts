import pc from 'picocolors';
import { redact } from '../core/redact.ts';
import { DEFAULT_COLUMNS, LiveLines } from './live-lines.ts';

export interface Progress {
  /** What is happening, e.g. "restoring", "rotating password". */
  phase: string;
  /** 0–100 where AWS reports it. */
  percent?: number;
  elapsedMs: number;
  /** Estimated time left, where known. */
  remainingMs?: number;
  /** What this is the progress of (a clone's name): a terminal shows one line per subject in progress. */
  subject?: string;
}

/**
 * Everything a command says to a person goes through here; results are returned as data and rendered by
 * the CLI binding. Secrets never pass through a reporter.
 */
export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  /** Only with --verbose. */
  debug(message: string): void;
  progress(update: Progress): void;
  /** Ends the progress of `subject` (of everything when none is named), saying `message` if given. */
  done(message?: string, subject?: string): void;
  /** Asks yes/no; only called when `interactive` is true. */
  confirm(question: string): Promise<boolean>;
  /** Asks for a line of text (an MFA code); only called when `interactive` is true. */
  ask(question: string): Promise<string>;
  readonly interactive: boolean;
}

export interface ReporterOptions {
  quiet?: boolean;
  verbose?: boolean;
  stream?: NodeJS.WritableStream;
  now?: () => Date;
  /** The terminal's width now (default: the stream's `columns`, which Node keeps up to date on SIGWINCH). */
  columns?: () => number | undefined;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function describeProgress(p: Progress): string {
  const parts = [p.phase];
  if (p.percent !== undefined) parts.push(`${Math.round(p.percent)}%`);
  parts.push(`elapsed ${formatDuration(p.elapsedMs)}`);
  if (p.remainingMs !== undefined) parts.push(`about ${formatDuration(p.remainingMs)} left`);
  return parts.join(' · ');
}

/** Non-TTY (CI, pipes, --output json): timestamped lines on stderr, no prompts. */
export class PlainReporter implements Reporter {
  readonly interactive = false;
  /** The last phase (and tenth of percent) said, per subject. */
  private readonly lastProgress = new Map<string, string>();
  constructor(protected readonly options: ReporterOptions = {}) {}
  protected write(line: string): void {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().slice(0, 19) + 'Z';
    (this.options.stream ?? process.stderr).write(`${stamp} ${redact(line)}\n`);
  }
  info(message: string): void {
    if (!this.options.quiet) this.write(message);
  }
  warn(message: string): void {
    this.write(`warning: ${message}`);
  }
  debug(message: string): void {
    if (this.options.verbose) this.write(`debug: ${message}`);
  }
  progress(update: Progress): void {
    // One line per change of phase or percent, so CI logs stay readable.
    const key = `${update.phase}:${update.percent === undefined ? '' : Math.floor(update.percent / 10)}`;
    const subject = update.subject ?? '';
    if (key === this.lastProgress.get(subject)) return;
    this.lastProgress.set(subject, key);
    this.info(describeProgress(update));
  }
  done(message?: string, subject?: string): void {
    if (subject === undefined) this.lastProgress.clear();
    else this.lastProgress.delete(subject);
    if (message) this.info(message);
  }
  confirm(): Promise<boolean> {
    return Promise.resolve(false);
  }
  ask(question: string): Promise<string> {
    return Promise.reject(new Error(`cannot ask "${question}" without a terminal`));
  }
}

/**
 * A terminal: colour (unless NO_COLOR), prompts, and progress as live lines at the bottom, one per clone in
 * progress, each cut to the terminal's width (src/output/live-lines.ts): they never wrap, so never leave copies.
 */
export class TtyReporter implements Reporter {
  readonly interactive = true;
  private readonly live: LiveLines;
  constructor(private readonly options: ReporterOptions & { input?: NodeJS.ReadableStream } = {}) {
    this.live = new LiveLines(
      (text) => this.out.write(text),
      () => this.options.columns?.() ?? (this.out as { columns?: number }).columns ?? process.stdout.columns ?? DEFAULT_COLUMNS,
      (line) => `${pc.cyan('›')} ${line}`,
    );
  }
  private get out(): NodeJS.WritableStream {
    return this.options.stream ?? process.stderr;
  }
  /** Everything shown passes here: no secret this run knows reaches the terminal. */
  private put(text: string): void {
    this.live.above(redact(text));
  }
  info(message: string): void {
    if (this.options.quiet) return;
    this.put(`${message}\n`);
  }
  warn(message: string): void {
    this.put(`${pc.yellow('warning:')} ${message}\n`);
  }
  debug(message: string): void {
    if (!this.options.verbose) return;
    this.put(`${pc.dim(message)}\n`);
  }
  progress(update: Progress): void {
    if (this.options.quiet) return;
    // Redacted before it is cut: a secret cut in half would no longer be recognised.
    this.live.set(update.subject ?? '', redact(describeProgress(update)));
  }
  done(message?: string, subject?: string): void {
    this.live.remove(subject);
    if (message && !this.options.quiet) this.put(`${pc.green('✓')} ${message}\n`);
    else this.live.redraw();
  }
  async confirm(question: string): Promise<boolean> {
    const answer = await this.ask(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  }
  async ask(question: string): Promise<string> {
    // The question takes the block's place while it is asked; the block comes back after the answer.
    this.live.erase();
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: this.options.input ?? process.stdin, output: this.out });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
      this.live.draw();
    }
  }
}

export type ReporterEvent =
  | { kind: 'info' | 'warn' | 'debug'; message: string }
  | { kind: 'done'; message: string; subject?: string }
  | { kind: 'progress'; progress: Progress };

/** Collects what a command said, for tests; answers prompts from a script. */
export class TestReporter implements Reporter {
  readonly events: ReporterEvent[] = [];
  constructor(
    readonly interactive = false,
    private readonly answers: string[] = [],
  ) {}
  info(message: string): void {
    this.events.push({ kind: 'info', message: redact(message) });
  }
  warn(message: string): void {
    this.events.push({ kind: 'warn', message: redact(message) });
  }
  debug(message: string): void {
    this.events.push({ kind: 'debug', message: redact(message) });
  }
  progress(progress: Progress): void {
    this.events.push({ kind: 'progress', progress });
  }
  done(message?: string, subject?: string): void {
    this.events.push({ kind: 'done', message: redact(message ?? ''), ...(subject === undefined ? {} : { subject }) });
  }
  confirm(question: string): Promise<boolean> {
    return this.ask(question).then((a) => /^y/i.test(a));
  }
  ask(question: string): Promise<string> {
    const answer = this.answers.shift();
    return answer === undefined ? Promise.reject(new Error(`unexpected prompt: ${question}`)) : Promise.resolve(answer);
  }
  get text(): string {
    return this.events.map((e) => ('message' in e ? e.message : describeProgress(e.progress))).join('\n');
  }
}

/** --output json: stdout carries only the result document; progress goes to stderr as JSON lines. */
export class JsonReporter extends PlainReporter {
  protected override write(line: string): void {
    const time = (this.options.now?.() ?? new Date()).toISOString();
    (this.options.stream ?? process.stderr).write(`${JSON.stringify({ time, message: redact(line) })}\n`);
  }
}
