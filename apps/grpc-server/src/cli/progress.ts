/** A one-line progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise. */
export class ProgressBar {
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly startedAt = performance.now();

  constructor(
    private readonly totalBytes: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(sentBytes: number, rows: number, force = false): void {
    const now = performance.now();
    const fraction = this.totalBytes > 0 ? Math.min(1, sentBytes / this.totalBytes) : 1;
    if (this.out.isTTY) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      this.out.write(`\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${describe(fraction, rows, now - this.startedAt)}   `);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile === this.lastDecile && !force) return;
      this.lastDecile = decile;
      this.out.write(`${describe(fraction, rows, now - this.startedAt)}\n`);
    }
  }

  finish(message: string): void {
    if (this.out.isTTY) this.out.write('\n');
    this.out.write(`${message}\n`);
  }
}

function describe(fraction: number, rows: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (rows / elapsedMs) * 1000 : 0;
  return `${(fraction * 100).toFixed(0).padStart(3)}%  ${rows.toLocaleString('en-US')} rows sent  ${Math.round(rate).toLocaleString('en-US')} rows/s`;
}
