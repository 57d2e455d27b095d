import { LiveRun, SuiteResult } from '../suite-result';
import { fmtInt, fmtMs, fmtRatio } from '../support/stats';

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export interface TargetRow {
  readonly target: string;
  readonly measured: string;
  readonly verdict: Verdict;
}

const verdict = (value: number | undefined, ok: (v: number) => boolean): Verdict =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : ok(value) ? 'PASS' : 'MISS';

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

/** Rates only count from a phase that completed. */
const rate = (r: { eventsPerS?: number; error?: string } | undefined) => (r && !r.error ? r.eventsPerS : undefined);

export interface Ratios {
  /** Phase 1b ÷ phase 1: OTLP/protobuf logs against `POST /v1/events`, the same number of events. */
  readonly otlpVsJsonIngest?: number;
  readonly ingestVsNaive?: number;
  readonly ingestVsEmmettAppend?: number;
  readonly ingestVsCeiling?: number;
  readonly projectorVsEmmett?: number;
  readonly projectorVsNaive?: number;
  readonly projectorVsCeiling?: number;
  readonly rebuildVsCeiling?: number;
  /** Sustained live phase: projection during ingest ÷ ingest, and end-to-end ÷ the COPY ceiling. */
  readonly liveProjectionVsIngest?: number;
  readonly liveEndToEndVsCeiling?: number;
  /** This checkout's end-to-end (its first deployment, `live`) ÷ the baseline commit's, run side by side. */
  readonly liveEndToEndVsBaseline?: number;
  /** Each other deployment of this checkout (api + K projectors): its end-to-end ÷ the first deployment's. */
  readonly liveDeploymentsVsFirst?: Readonly<Record<string, number | undefined>>;
}

/** The baseline commit's live run, if it ran. */
export const liveBaseline = (s: SuiteResult): LiveRun | undefined => s.liveRuns?.find((r) => r.code === 'baseline');

export function ratios(s: SuiteResult): Ratios {
  const ingest = rate(s.ingest);
  const projector = rate(s.projector);
  return {
    otlpVsJsonIngest: ratio(rate(s.otlpIngest), ingest),
    ingestVsNaive: ratio(ingest, rate(s.peers.naive)),
    ingestVsEmmettAppend: ratio(ingest, rate(s.peers.emmettAppend)),
    ingestVsCeiling: ratio(ingest, rate(s.peers.ceiling)),
    projectorVsEmmett: ratio(projector, rate(s.peers.emmettProjection)),
    projectorVsNaive: ratio(projector, rate(s.peers.naive)),
    projectorVsCeiling: ratio(projector, rate(s.peers.ceiling)),
    rebuildVsCeiling: ratio(rate(s.rebuild), rate(s.peers.ceiling)),
    liveProjectionVsIngest: ratio(s.live?.projectionPerS, s.live?.ingestPerS),
    liveEndToEndVsCeiling: ratio(s.live?.endToEndPerS, rate(s.peers.ceiling)),
    liveEndToEndVsBaseline: ratio(s.live?.endToEndPerS, liveBaseline(s)?.result?.endToEndPerS),
    liveDeploymentsVsFirst: Object.fromEntries(
      (s.liveRuns ?? []).filter((r) => r.code === 'current' && r.result !== s.live).map((r) => [r.label, ratio(r.result?.endToEndPerS, s.live?.endToEndPerS)]),
    ),
  };
}

/** The targets of issues #2, #3, #5, #6 and #17 (the sustained live phase). A miss is reported, never fatal. */
export function targets(s: SuiteResult): TargetRow[] {
  const r = ratios(s);
  const ingest = rate(s.ingest);
  const projector = rate(s.projector);
  const rebuild = s.rebuild?.available ? rate(s.rebuild) : undefined;
  const p99 = (kind: string) => {
    const routes = s.queries.filter((q) => q.kind === kind && q.available && q.latency);
    return routes.length ? Math.max(...routes.map((q) => q.latency!.p99)) : undefined;
  };
  const worst = (kind: string) => {
    const routes = s.queries.filter((q) => q.kind === kind && q.available && q.latency);
    if (!routes.length) return 'n/a';
    const w = routes.reduce((a, b) => (b.latency!.p99 > a.latency!.p99 ? b : a));
    return `${fmtMs(w.latency!.p99)} ms (${w.name}; ${routes.length} route${routes.length > 1 ? 's' : ''})`;
  };
  const live = s.live;
  const baseline = liveBaseline(s);
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const liveRows: TargetRow[] = live
    ? [
        { target: 'live: projection ÷ ingest ≥ 0.95 during sustained ingest', measured: `${(r.liveProjectionVsIngest ?? NaN).toFixed(2)} (${fmtInt(live.projectionPerS)} ÷ ${fmtInt(live.ingestPerS)} events/s)`, verdict: verdict(r.liveProjectionVsIngest, (v) => v >= 0.95) },
        { target: 'live: the lag when ingest stops drains in ≤ 2 s', measured: `${(live.drainMs / 1000).toFixed(1)} s (${fmtInt(live.lagAtStop)} events)`, verdict: verdict(live.drainMs, (v) => v <= 2000) },
        { target: 'live: end-to-end ≥ 20% of the COPY ceiling', measured: `${pct(r.liveEndToEndVsCeiling)} (${fmtInt(live.endToEndPerS)} events/s)`, verdict: verdict(r.liveEndToEndVsCeiling, (v) => v >= 0.2) },
        {
          target: `live: end-to-end ≥ 3× ${baseline?.build?.ref ?? 'ae78b07'}'s, run side by side`,
          measured: !baseline
            ? 'n/a (no baseline in this run: --live-baseline)'
            : !baseline.result
              ? `n/a (${(baseline.error ?? 'did not run').slice(0, 100)})`
              : `${fmtRatio(r.liveEndToEndVsBaseline)} (${fmtInt(live.endToEndPerS)} ÷ ${fmtInt(baseline.result.endToEndPerS)} events/s)`,
          verdict: verdict(r.liveEndToEndVsBaseline, (v) => v >= 3),
        },
        { target: 'live: GET /costs/sessions/:id p99 ≤ 50 ms during the load', measured: `${fmtMs(live.session.latency.p99)} ms`, verdict: verdict(live.session.latency.p99, (v) => v <= 50) },
        { target: 'live: GET /v1/cost/summary (30 days) p99 ≤ 100 ms during the load', measured: `${fmtMs(live.summary.latency.p99)} ms`, verdict: verdict(live.summary.latency.p99, (v) => v <= 100) },
      ]
    : [];
  if (!s.ingest && !s.projector) return liveRows;
  return [
    ...liveRows,
    { target: 'ingest ≥ 20,000 events/s', measured: `${fmtInt(ingest ?? NaN)} events/s`, verdict: verdict(ingest, (v) => v >= 20_000) },
    { target: 'ingest ≥ 5× naive', measured: fmtRatio(r.ingestVsNaive), verdict: verdict(r.ingestVsNaive, (v) => v >= 5) },
    { target: 'projector catch-up ≥ 50,000 events/s', measured: `${fmtInt(projector ?? NaN)} events/s`, verdict: verdict(projector, (v) => v >= 50_000) },
    { target: "projector ≥ 10× Emmett's projector", measured: fmtRatio(r.projectorVsEmmett), verdict: verdict(r.projectorVsEmmett, (v) => v >= 10) },
    { target: 'projector ≥ 25% of the COPY ceiling', measured: r.projectorVsCeiling === undefined ? 'n/a' : `${(r.projectorVsCeiling * 100).toFixed(1)}%`, verdict: verdict(r.projectorVsCeiling, (v) => v >= 0.25) },
    { target: 'rebuild ≥ 100,000 events/s', measured: rebuild === undefined ? 'n/a' : `${fmtInt(rebuild)} events/s`, verdict: verdict(rebuild, (v) => v >= 100_000) },
    { target: 'GET /costs/sessions/:id p99 ≤ 10 ms', measured: worst('session'), verdict: verdict(p99('session'), (v) => v <= 10) },
    { target: 'single-entity views p99 ≤ 10 ms', measured: worst('entity'), verdict: verdict(p99('entity'), (v) => v <= 10) },
    { target: 'GET /v1/cost/summary p99 ≤ 20 ms (30 days, odd range, week, whole span)', measured: worst('range'), verdict: verdict(p99('range'), (v) => v <= 20) },
    { target: '/costs/summary and time series p99 ≤ 20 ms', measured: worst('summary'), verdict: verdict(p99('summary'), (v) => v <= 20) },
  ];
}
