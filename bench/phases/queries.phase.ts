import autocannon from 'autocannon';
import { DataSet } from '../data/data-set';
import { HttpJson } from '../support/http-json';
import { Random } from '../support/random';
import { Latency, latency } from '../support/stats';
import { PhaseContext } from './phase-context';

/** Which latency target a route is held to; `range` is the Stevora range summary of issue #5. */
export type RouteKind = 'session' | 'entity' | 'range' | 'summary' | 'list';

export interface RouteResult {
  readonly name: string;
  readonly kind: RouteKind;
  /** False: the route answered 404 to a request for data that exists (not built yet). */
  readonly available: boolean;
  readonly requestsPerS?: number;
  readonly latency?: Latency;
  readonly errors?: number;
  readonly note?: string;
}

interface Route {
  readonly name: string;
  readonly kind: RouteKind;
  /** A path with realistic random ids or ranges, for a workspace. */
  path(ws: string, r: Random, data: DataSet): string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** A week inside the data's span, as a dashboard would ask for. */
const week = (r: Random, data: DataSet) => {
  const from = data.from.getTime() + Math.floor(r.next() * Math.max(1, data.to.getTime() - data.from.getTime() - 7 * DAY));
  return `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(from + 7 * DAY))}`;
};
const month = (data: DataSet) => `from=${encodeURIComponent(iso(data.from.getTime()))}&to=${encodeURIComponent(iso(data.to.getTime() + 1000))}`;
/** 30 days to the millisecond, ending at a random instant of the data's span. */
const thirtyDays = (r: Random, data: DataSet) => {
  const to = data.from.getTime() + Math.floor(r.next() * (data.to.getTime() - data.from.getTime()));
  return `from=${encodeURIComponent(iso(to - 30 * DAY))}&to=${encodeURIComponent(iso(to))}`;
};
/** `hh:34:56.789` to `hh+4:01:02.003` on a random day: both ends inside an hour, as the example. */
const oddRange = (r: Random, data: DataSet) => {
  const day = data.from.getTime() - (data.from.getTime() % DAY) + Math.floor(r.next() * 29) * DAY;
  const from = day + Math.floor(r.next() * 19) * 3_600_000 + 34 * 60_000 + 56_789;
  return `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(from + 4 * 3_600_000 + 26 * 60_000 + 5_214))}`;
};

export const ROUTES: readonly Route[] = [
  { name: 'GET /costs/sessions/:id', kind: 'session', path: (ws, r, d) => `/costs/sessions/${r.pick(d.sessionIds.get(ws)!)}` },
  { name: 'GET /costs/executions/:id', kind: 'entity', path: (ws, r, d) => `/costs/executions/${r.pick(d.executionIds.get(ws)!)}` },
  { name: 'GET /costs/sessions', kind: 'list', path: () => '/costs/sessions' },
  { name: 'GET /costs/executions', kind: 'list', path: () => '/costs/executions' },
  { name: 'GET /costs/summary', kind: 'summary', path: () => '/costs/summary' },
  // Stevora: a workflow run is one execution of a workflow.
  { name: 'GET /v1/workflow-runs/:id/cost', kind: 'entity', path: (ws, r, d) => `/v1/workflow-runs/${r.pick(d.executionIds.get(ws)!)}/cost` },
  { name: 'GET /v1/cost/summary (30 days)', kind: 'range', path: (_ws, r, d) => `/v1/cost/summary?${thirtyDays(r, d)}` },
  { name: 'GET /v1/cost/summary (odd range)', kind: 'range', path: (_ws, r, d) => `/v1/cost/summary?${oddRange(r, d)}` },
  { name: 'GET /v1/cost/summary (week)', kind: 'range', path: (_ws, r, d) => `/v1/cost/summary?${week(r, d)}` },
  { name: 'GET /v1/cost/summary (whole span)', kind: 'range', path: (_ws, _r, d) => `/v1/cost/summary?${month(d)}` },
  { name: 'GET /v1/cost/timeseries (month, day, model)', kind: 'summary', path: (_ws, _r, d) => `/v1/cost/timeseries?${month(d)}&granularity=day&group_by=model` },
];

/**
 * Phase 4: each read route on the full data set under autocannon, with a random
 * workspace key per request and ids drawn from that workspace's generated set.
 * Latencies are collected per response (autocannon's own histogram has no p95).
 */
export async function runQueries(ctx: PhaseContext, http: HttpJson, keys: ReadonlyMap<string, string>, connections = 4): Promise<RouteResult[]> {
  const results: RouteResult[] = [];
  const workspaces = ctx.data.workspaces;
  for (const route of ROUTES) {
    const r = new Random(`${ctx.data.seed}/${route.name}`);
    results.push(
      await ctx.progress.step(`${route.name}: ${ctx.querySeconds} s, ${connections} connections`, async () => {
        // One probe first: a 404 for data that exists means the route is not there yet.
        const ws = workspaces[0];
        const probe = await http.get(route.path(ws, r, ctx.data), keys.get(ws));
        if (probe.status === 404) return { name: route.name, kind: route.kind, available: false, note: JSON.stringify(probe.body).slice(0, 120) };
        if (probe.status !== 200) {
          return { name: route.name, kind: route.kind, available: true, errors: 1, note: `probe answered ${probe.status}: ${JSON.stringify(probe.body).slice(0, 200)}` };
        }
        const samples: number[] = [];
        let errors = 0;
        let firstError: string | undefined;
        let finish!: (value: { result?: autocannon.Result; err?: unknown }) => void;
        const finished = new Promise<{ result?: autocannon.Result; err?: unknown }>((resolve) => (finish = resolve));
        const instance = autocannon({
          url: http.baseUrl,
          connections,
          duration: ctx.querySeconds,
          requests: [
            {
              method: 'GET',
              setupRequest: (req) => {
                const w = r.pick(workspaces);
                return { ...req, path: route.path(w, r, ctx.data), headers: { 'x-api-key': keys.get(w)! } };
              },
            },
          ],
        }, (err, result) => finish({ err, result }));
        instance.on('response', (_client, status, _bytes, responseTime) => {
          samples.push(responseTime);
          if (status !== 200) {
            errors++;
            firstError ??= `HTTP ${status}`;
          }
        });
        const { err, result } = await finished;
        if (err || !result) throw err instanceof Error ? err : new Error(String(err));
        return {
          name: route.name,
          kind: route.kind,
          available: true,
          requestsPerS: result.requests.total / (result.duration || ctx.querySeconds),
          latency: latency(samples),
          errors: errors + result.errors + result.timeouts,
          note: firstError,
        };
      }),
    );
  }
  return results;
}
