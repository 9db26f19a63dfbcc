import pc from 'picocolors';

/**
 * One line that rewrites itself on a terminal ("overhead · select 1 ×8 · round 3/7"); nothing at all
 * when stdout is a pipe or a file, so logs and CI output hold only the tables.
 */
export class ProgressLine {
  readonly #enabled: boolean;
  #prefix = '';
  #last = 0;
  #shown = false;

  constructor(enabled = process.stdout.isTTY === true) {
    this.#enabled = enabled;
  }

  begin(prefix: string): void {
    this.#prefix = prefix;
    this.update('starting');
  }

  update(text: string): void {
    if (!this.#enabled) return;
    const now = performance.now();
    // A redraw per round is plenty; more would cost the benchmark CPU time.
    if (now - this.#last < 50 && this.#shown) return;
    this.#last = now;
    const width = Math.max(20, (process.stdout.columns ?? 100) - 1);
    const line = `${this.#prefix} · ${text}`.slice(0, width);
    process.stdout.write(`\r\x1b[2K${pc.dim(line)}`);
    this.#shown = true;
  }

  clear(): void {
    if (!this.#enabled || !this.#shown) return;
    process.stdout.write('\r\x1b[2K');
    this.#shown = false;
  }
}
