import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@ledger/observability';
import { Counter, Histogram } from 'prom-client';
import { USAGE_EVENT_TYPES, UsageEvent } from './usage-events';

type Outcome = 'accepted' | 'duplicate' | 'refused';
/** The type label of a refused event that named no known type: keeps the label set bounded. */
const UNKNOWN_TYPE = 'unknown';
const TYPES: readonly string[] = USAGE_EVENT_TYPES;

/**
 * What ingest did with the events it was sent. Counted once per batch, not per event, through
 * label children bound up front: the hot path adds a few integers.
 */
@Injectable()
export class IngestMetrics {
  private readonly counters: Record<Outcome, Record<string, Counter.Internal>>;
  private readonly batchSize: Histogram;

  constructor(metrics: MetricsRegistry) {
    const events = new Counter({
      name: 'ledger_ingest_events_total',
      help: 'Events sent to POST /v1/events, by type and outcome: accepted (appended), duplicate (already recorded, not appended again), refused (in a batch answered 4xx, of which nothing is stored).',
      labelNames: ['type', 'outcome'] as const,
      registers: [metrics.registry],
    });
    // Every series exists from the start, at 0, so that a rate over it is defined before the first event.
    const bind = (outcome: Outcome, types: readonly string[]) =>
      Object.fromEntries(
        types.map((type) => {
          const child = events.labels({ type, outcome });
          child.inc(0);
          return [type, child];
        }),
      );
    this.counters = { accepted: bind('accepted', TYPES), duplicate: bind('duplicate', TYPES), refused: bind('refused', [...TYPES, UNKNOWN_TYPE]) };
    this.batchSize = new Histogram({
      name: 'ledger_ingest_batch_events',
      help: 'Events per batch that passed validation.',
      buckets: [1, 10, 50, 100, 250, 500, 1000],
      registers: [metrics.registry],
    });
  }

  batch(size: number): void {
    this.batchSize.observe(size);
  }

  /** A recorded batch: the events at `fresh` were appended, except those a racing request stored first (`raced`); the rest were duplicates. */
  recorded(events: readonly UsageEvent[], fresh: readonly number[], raced: readonly number[]): void {
    if (fresh.length === events.length && !raced.length) {
      this.add('accepted', byType(events));
      return;
    }
    const written = new Set(fresh);
    for (const i of raced) written.delete(i);
    this.add('accepted', byType(events.filter((_, i) => written.has(i))));
    this.add('duplicate', byType(events.filter((_, i) => !written.has(i))));
  }

  /** Every event of a refused batch, under the type it claimed. */
  refused(body: unknown): void {
    const events = (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) return;
    const counts = tally();
    for (const e of events) {
      const type = (e as { type?: unknown } | null)?.type;
      counts[typeof type === 'string' && TYPES.includes(type) ? type : UNKNOWN_TYPE]++;
    }
    this.add('refused', counts);
  }

  private add(outcome: Outcome, counts: Record<string, number>): void {
    for (const type in counts) if (counts[type]) this.counters[outcome][type].inc(counts[type]);
  }
}

const tally = (): Record<string, number> => Object.fromEntries([...TYPES, UNKNOWN_TYPE].map((type) => [type, 0]));

/** Plain integers, not a keyed tally: this runs for every event ingested. */
function byType(events: readonly UsageEvent[]): Record<string, number> {
  let tokens = 0;
  let tools = 0;
  for (const e of events) {
    if (e.type === 'TokenUsed') tokens++;
    else if (e.type === 'ToolCalled') tools++;
  }
  return { TokenUsed: tokens, ToolCalled: tools, SessionFinalized: events.length - tokens - tools };
}
