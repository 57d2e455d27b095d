import { elapsedSince, now } from './stats';

/**
 * Progress goes to stderr, one line per step, so that stdout carries only the
 * result table and CI logs stay readable without a TTY.
 */
export class Progress {
  private readonly runStart = now();

  /** Times `fn`, printing a line when it starts and one when it ends. */
  async step<T>(label: string, fn: (tick: (message: string) => void) => Promise<T>): Promise<T> {
    const start = now();
    this.line(`▶ ${label}`);
    let lastTick = 0;
    const tick = (message: string) => {
      // At most one progress line every 2 s per step.
      const t = elapsedSince(start);
      if (t - lastTick < 2000) return;
      lastTick = t;
      this.line(`  ${label}: ${message} (${(t / 1000).toFixed(0)} s)`);
    };
    try {
      const result = await fn(tick);
      this.line(`✔ ${label} in ${(elapsedSince(start) / 1000).toFixed(1)} s`);
      return result;
    } catch (err) {
      this.line(`✘ ${label} failed after ${(elapsedSince(start) / 1000).toFixed(1)} s: ${(err as Error).message}`);
      throw err;
    }
  }

  line(message: string): void {
    process.stderr.write(`[bench ${(elapsedSince(this.runStart) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  }
}
