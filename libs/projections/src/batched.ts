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
export async function* batched(subscription: Subscription, maxEvents: number, lingerMs: number): AsyncGenerator<EventBatch> {
  const it = subscription[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<SubscriptionItem>> | undefined;
  let live = false;
  for (;;) {
    const events: RecordedEvent[] = [];
    let position: LogPosition | undefined;
    let caughtUp = false;
    let deadline: Promise<typeof LINGER> | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      while (events.length < maxEvents) {
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
