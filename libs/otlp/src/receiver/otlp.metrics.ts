import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@ledger/observability';
import { Counter } from 'prom-client';

type Signal = 'logs' | 'traces';
type Outcome = 'accepted' | 'rejected' | 'ignored';
const SIGNALS: readonly Signal[] = ['logs', 'traces'];
const OUTCOMES: readonly Outcome[] = ['accepted', 'rejected', 'ignored'];

/**
 * What the OTLP receiver made of the records it decoded. The events they became are counted by ingest
 * (`ledger_ingest_events_total`); this says how much telemetry was not usage (ignored) or could not be read
 * (rejected, as partialSuccess told the exporter), which an exporter's own logs rarely show.
 */
@Injectable()
export class OtlpMetrics {
  private readonly counters: Record<Signal, Record<Outcome, Counter.Internal>>;

  constructor(metrics: MetricsRegistry) {
    const records = new Counter({
      name: 'ledger_otlp_records_total',
      help: 'Log records and spans decoded by the OTLP receiver, by signal and outcome: accepted (claimed by a normalizer and stored, or already stored), rejected (counted in partialSuccess), ignored (not usage: no normalizer claimed them).',
      labelNames: ['signal', 'outcome'] as const,
      registers: [metrics.registry],
    });
    // Every series from the start, at 0, so that a rate over it is defined before the first record.
    const bind = (signal: Signal) => Object.fromEntries(OUTCOMES.map((outcome) => [outcome, records.labels({ signal, outcome })])) as Record<Outcome, Counter.Internal>;
    this.counters = { logs: bind('logs'), traces: bind('traces') };
    for (const signal of SIGNALS) for (const outcome of OUTCOMES) this.counters[signal][outcome].inc(0);
  }

  records(signal: Signal, total: number, rejected: number, ignored: number): void {
    const counters = this.counters[signal];
    counters.accepted.inc(total - rejected - ignored);
    counters.rejected.inc(rejected);
    counters.ignored.inc(ignored);
  }
}
