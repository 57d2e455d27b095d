import { HttpJson } from '../support/http-json';
import { elapsedSince, Latency, latency, now, sleep } from '../support/stats';
import { PhaseContext, PhaseOutcome } from './phase-context';

export interface ReadYourWritesResult extends PhaseOutcome {
  readonly targetEventsPerS: number;
  /** What was actually accepted per second. */
  readonly achievedEventsPerS: number;
  /** From a 202 until `GET /costs/sessions/:id?after=<position>` answers with the write in it. */
  readonly lag: Latency;
  /** Reads that came back without the write (stale after the 5 s wait, or missing). */
  readonly stale: number;
}

const TICK_MS = 50;

/**
 * Phase 5: read-your-writes lag under a steady 2,000 events/s (role all, so the
 * live projector runs beside ingest). Every tick posts one batch for a new
 * session, then reads that session with `?after=` and times the read from the
 * 202: the lag a client sees between writing and reading its own write.
 */
export async function runReadYourWrites(ctx: PhaseContext, http: HttpJson, key: string, eventsPerS = 2000): Promise<ReadYourWritesResult> {
  return ctx.progress.step(`read-your-writes at ${eventsPerS.toLocaleString('en-US')} events/s for ${ctx.rywSeconds} s`, async (tick) => {
    const perBatch = Math.max(1, Math.round((eventsPerS * TICK_MS) / 1000));
    const lags: number[] = [];
    const inFlight: Promise<void>[] = [];
    let stale = 0;
    let accepted = 0;
    let error: string | undefined;
    const runTag = Date.now().toString(36);

    const writeThenRead = async (n: number) => {
      const session = `ryw-${runTag}-${n}`;
      const occurred = Date.now() - 60_000;
      const events = Array.from({ length: perBatch }, (_, i) => ({
        event_id: `${session}.${i}`, type: 'TokenUsed', session_id: session, execution_id: `ryw-exe-${runTag}`,
        occurred_at: new Date(occurred + i).toISOString(), model: 'gpt-5-mini', input_tokens: 1000 + i, output_tokens: 200,
      }));
      const res = await http.post<{ data: { accepted: number; position: string } }>('/v1/events', key, { events });
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}`);
      const acknowledged = now();
      accepted += res.body.data.accepted;
      const read = await http.get<{ token_events?: number; turns?: number }>(`/costs/sessions/${session}?after=${res.body.data.position}`, key);
      const lag = elapsedSince(acknowledged);
      if (read.status === 200) lags.push(lag);
      else stale++;
    };

    const start = now();
    const durationMs = ctx.rywSeconds * 1000;
    let n = 0;
    // Ticks on an absolute schedule, so a slow response does not lower the offered load.
    while (elapsedSince(start) < durationMs && !error) {
      const p = writeThenRead(n++).catch((err: Error) => void (error ??= err.message));
      inFlight.push(p);
      tick(`${lags.length} reads, ${Math.round(accepted / (elapsedSince(start) / 1000))} events/s`);
      const nextAt = n * TICK_MS;
      await sleep(Math.max(0, nextAt - elapsedSince(start)));
    }
    await Promise.all(inFlight);
    const elapsed = elapsedSince(start);
    return { error, targetEventsPerS: eventsPerS, achievedEventsPerS: accepted / (elapsed / 1000), lag: latency(lags), stale };
  });
}
