import { LogPosition, RecordedEvent, Subscription, SubscriptionItem } from '@ledger/event-store';

export interface EventBatch {
  readonly events: RecordedEvent[];
  /** Where the batch ends: its last event, or a later checkpoint across a filtered gap. */
  readonly position: LogPosition;
  /** True when the batch ends at the live head. */
  readonly caughtUp: boolean;
}

const LINGER = Symbol('linger');

/**
 * Groups a subscription into batches. While catching up a batch closes when it
 * is full or the reader reports it has caught up; once live, it also closes
 * after `lingerMs` without a new event, so a trickle is applied promptly.
 */
export async function* batched(subscription: Subscription, maxEvents: number | (() => number), lingerMs: number): AsyncGenerator<EventBatch> {
  const limit = typeof maxEvents === 'number' ? () => maxEvents : maxEvents;
  const it = subscription[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<SubscriptionItem>> | undefined;
  let live = false;
  for (;;) {
    const events: RecordedEvent[] = [];
    let position: LogPosition | undefined;
    let caughtUp = false;
    let deadline: Promise<typeof LINGER> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const max = limit();
    try {
      while (events.length < max) {
        const next = pending ?? it.next();
        pending = undefined;
        let result: IteratorResult<SubscriptionItem> | typeof LINGER;
        if (live && events.length > 0) {
          deadline ??= new Promise((resolve) => (timer = setTimeout(() => resolve(LINGER), lingerMs)));
          result = await Promise.race([next, deadline]);
          if (result === LINGER) {
            pending = next;
            break;
          }
        } else {
          result = await next;
        }
        if (result.done) {
          if (position) yield { events, position, caughtUp };
          return;
        }
        const item = result.value;
        if (item.kind === 'event') {
          events.push(item.event);
          position = item.event.position;
        } else {
          position = item.position;
          if (item.kind === 'caught-up') {
            live = true;
            caughtUp = true;
            break;
          }
          if (events.length === 0) break;
        }
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (position) yield { events, position, caughtUp };
  }
}

/** How far past the configured size a batch may grow while the projector is behind. */
export const MAX_BATCH_GROWTH = 8;

/**
 * Batch sizes that follow the lag. A batch pays a fixed cost (its statement, its COMMIT) besides its
 * events': while the projector is behind, each full batch doubles the next, up to `MAX_BATCH_GROWTH`
 * times the configured size, so the fixed cost is spread over more events; the first short batch (the
 * projector has caught up) brings it back to the configured size, so a live write commits promptly.
 */
export class AdaptiveBatchSize {
  private current: number;

  constructor(private readonly configured: number) {
    this.current = configured;
  }

  get size(): number {
    return this.current;
  }

  /** Hears the batch just read: `full` when it held `size` events. */
  update(full: boolean): void {
    this.current = full ? Math.min(this.current * 2, this.configured * MAX_BATCH_GROWTH) : this.configured;
  }
}
