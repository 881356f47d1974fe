import { displayWidth, fitWidth } from './width.ts';

/** The width assumed when the stream does not say (not a terminal, or a terminal that reports none). */
export const DEFAULT_COLUMNS = 80;

/**
 * The live block at the bottom of a terminal: one line per thing in progress (a clone being restored or
 * deleted), redrawn in place, as `docker pull` shows its layers. Every line is cut to the terminal's width
 * less one column, read afresh at each drawing (Node updates a terminal stream's `columns` on SIGWINCH), so a
 * line never wraps and erasing the rows drawn erases all of it.
 *
 * After a narrowing, a terminal that reflows (xterm, VTE, tmux, iTerm2, Windows Terminal) has wrapped the
 * lines drawn at the old width: the rows to erase are counted at the width of the moment for that reason.
 * The cursor stays at the start of the row below the block, so anything printed meanwhile goes above it.
 */
export class LiveLines {
  private readonly lines = new Map<string, string>();
  /** The lines as drawn (visible text), to count the rows they take now. */
  private drawn: string[] = [];

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number,
    private readonly decorate: (line: string) => string = (line) => line,
  ) {}

  get size(): number {
    return this.lines.size;
  }

  /** Sets the line of `key` (a new key adds a line at the bottom) and redraws. */
  set(key: string, text: string): void {
    this.lines.set(key, text);
    this.redraw();
  }

  /** Takes the line of `key` (or every line) away, without redrawing. */
  remove(key?: string): void {
    if (key === undefined) this.lines.clear();
    else this.lines.delete(key);
  }

  /** Prints `text` (whole lines) above the block, which is drawn again below it. */
  above(text: string): void {
    this.write(this.eraseSequence() + text + this.drawSequence());
  }

  /** Erases the block from the screen (its lines are kept, for draw()). */
  erase(): void {
    const sequence = this.eraseSequence();
    if (sequence) this.write(sequence);
  }

  /** Draws the block (after erase()). */
  draw(): void {
    const sequence = this.drawSequence();
    if (sequence) this.write(sequence);
  }

  redraw(): void {
    this.write(this.eraseSequence() + this.drawSequence());
  }

  private width(): number {
    const columns = this.columns();
    return Number.isFinite(columns) && columns > 1 ? Math.floor(columns) : DEFAULT_COLUMNS;
  }

  private eraseSequence(): string {
    const columns = this.width();
    const rows = this.drawn.reduce((n, line) => n + Math.max(1, Math.ceil(displayWidth(line) / columns)), 0);
    this.drawn = [];
    // Up to the block's first row, column 0, then erase to the end of the screen.
    return rows > 0 ? `\r\x1b[${rows}A\x1b[J` : '';
  }

  private drawSequence(): string {
    const room = this.width() - 1;
    this.drawn = [...this.lines.values()].map((text) => this.decorate(fitWidth(text, room - displayWidth(this.decorate('')))));
    return this.drawn.map((line) => `${line}\n`).join('');
  }
}
