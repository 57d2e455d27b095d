/** The injection token of the slots every batch of this process records under. */
export const INGEST_SLOTS = Symbol('INGEST_SLOTS');

/**
 * At most `size` batches recorded at once; the others wait their turn in arrival order. On a machine the
 * database shares, every append running beside the others takes a core from the projector and from reads
 * without adding throughput (ADR 0027, addendum: on 2 cores, 2 at once against 4 kept the projector at 0.88
 * to 0.90 of ingest instead of 0.67 to 0.76, and halved the reads' p99).
 *
 * A projector in the same process can ask for room (`yieldFor`): until then, one batch at a time (ADR 0029).
 */
export class IngestSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** performance.now() until which batches run one at a time. */
  private yieldingUntil = 0;

  constructor(readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    // A newcomer never overtakes the queue.
    if (this.waiting.length === 0 && this.active < this.limit()) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      this.active--;
      this.admit();
    }
  }

  /**
   * One batch at a time for the next `ms`, asked again as long as it is needed. No timer ends it: a batch is
   * always running while others wait, and its end lets the queue in again at the size the moment allows.
   */
  yieldFor(ms: number): void {
    this.yieldingUntil = Math.max(this.yieldingUntil, performance.now() + ms);
  }

  private limit(): number {
    return performance.now() < this.yieldingUntil ? 1 : this.size;
  }

  private admit(): void {
    while (this.waiting.length && this.active < this.limit()) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}
