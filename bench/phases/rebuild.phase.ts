import { HttpJson } from '../support/http-json';
import { elapsedSince, now, sleep } from '../support/stats';
import { PhaseContext, PhaseOutcome } from './phase-context';

export interface RebuildResult extends PhaseOutcome {
  /** False when the service has no rebuild API yet (404). */
  readonly available: boolean;
  readonly eventsPerS?: number;
  readonly events?: number;
  readonly elapsedMs?: number;
  /** The service's own estimate, last seen while running. */
  readonly reportedRatePerS?: number;
  /** The `total` the service reported (from its checkpoint's events_applied). */
  readonly reportedTotal?: number;
}

interface ProjectionStatus {
  readonly name: string;
  readonly state: string;
  readonly rebuild?: { state: string; done: number; total: number | null; rate_per_s?: number | null } | null;
}

const POLL_MS = 250;
const TIMEOUT_MS = 20 * 60_000;

/**
 * Phase 3: a full rebuild through the admin API, timed from the 202 until the
 * `costs` projection reports its rebuild done; events/s = the log's usage
 * events / elapsed (the service's own `total` comes from a counter, kept aside).
 * `source` is what it restates from: the read model's facts (a price change's
 * rebuild), or the log replayed from its start (a repair).
 */
export async function runRebuild(ctx: Pick<PhaseContext, 'progress' | 'adminKey'>, http: HttpJson, logEvents: number, source: 'facts' | 'log'): Promise<RebuildResult> {
  return ctx.progress.step(`full rebuild from the ${source} via POST /v1/admin/projections/rebuild`, async (tick) => {
    const start = now();
    const res = await http.post('/v1/admin/projections/rebuild', ctx.adminKey, { reason: 'benchmark', source });
    if (res.status === 404) return { available: false };
    if (res.status !== 202) return { available: true, error: `rebuild answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}` };
    let reportedRatePerS: number | undefined;
    let sawRunning = false;
    for (;;) {
      const status = await http.get<{ data: ProjectionStatus[] }>('/v1/admin/projections', ctx.adminKey);
      if (status.status !== 200) return { available: true, error: `GET /v1/admin/projections answered ${status.status}` };
      const costs = status.body.data.find((p) => p.name === 'costs');
      const rebuild = costs?.rebuild;
      if (rebuild?.state === 'running') sawRunning = true;
      if (rebuild?.rate_per_s) reportedRatePerS = rebuild.rate_per_s;
      // A `done` left from an earlier rebuild is not ours: wait until ours has been seen running, or has a total.
      if (rebuild && rebuild.state === 'done' && (sawRunning || rebuild.total)) {
        const elapsedMs = elapsedSince(start);
        return {
          available: true,
          eventsPerS: logEvents / (elapsedMs / 1000),
          events: logEvents,
          elapsedMs,
          reportedRatePerS,
          reportedTotal: rebuild.total ?? undefined,
        };
      }
      if (rebuild && (rebuild.state === 'failed' || rebuild.state === 'error')) return { available: true, error: `rebuild ${rebuild.state}` };
      if (elapsedSince(start) > TIMEOUT_MS) return { available: true, error: 'rebuild did not finish in time' };
      tick(`${rebuild?.state ?? costs?.state ?? '?'} ${rebuild?.done ?? 0}/${rebuild?.total ?? '?'}`);
      await sleep(POLL_MS);
    }
  });
}
