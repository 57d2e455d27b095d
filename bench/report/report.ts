import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LiveResult } from '../phases/live.phase';
import { LiveRun, SuiteResult } from '../suite-result';
import { MachineFacts } from '../support/machine';
import { fmtInt, fmtMb, fmtMs, fmtRatio } from '../support/stats';
import { liveBaseline, ratios, targets } from './targets';

interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Printed under the table. */
  readonly notes?: readonly string[];
}

export interface RunReport {
  readonly date: string;
  /** The commit of the checkout that ran (`+changes` when its tree differed). */
  readonly commit?: string;
  readonly command: string;
  readonly machine: MachineFacts;
  readonly suites: readonly SuiteResult[];
}

const rate = (r: { eventsPerS?: number; error?: string } | undefined, unit = 'events/s') =>
  !r ? 'n/a' : r.error ? `error: ${r.error.slice(0, 80)}` : `${fmtInt(r.eventsPerS ?? NaN)} ${unit}`;
const secs = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '' : `${(ms / 1000).toFixed(1)} s`);

function phaseTable(s: SuiteResult): Table {
  const i = s.ingest;
  const rows: string[][] = [
    ['1 ingest, HTTP (role api)', rate(i), i ? `${fmtInt(i.logEvents)} events, ${fmtInt(i.requests)} requests (${i.retriedBatches} retried), ${i.clients} clients, batch p50/p99 ${fmtMs(i.batchLatency.p50)}/${fmtMs(i.batchLatency.p99)} ms, ${secs(i.elapsedMs)}` : '', fmtMb(i?.peakRssKb)],
    otlpRow(s),
    ['2 projector catch-up from empty (role projector, bulk initial load)', rate(s.projector), s.projector ? `${fmtInt(s.projector.events)} events (events_applied ${fmtInt(s.projector.eventsApplied)}), ${secs(s.projector.elapsedMs)}` : '', fmtMb(s.projector?.peakRssKb)],
    ['3 full rebuild (admin API), restating from the facts', s.rebuild && !s.rebuild.available ? 'n/a (404)' : rate(s.rebuild), s.rebuild?.events ? `${fmtInt(s.rebuild.events)} events, ${secs(s.rebuild.elapsedMs)}` : '', fmtMb(s.servingPeakRssKb)],
    ['3b full rebuild (admin API), replaying the log', s.replay && !s.replay.available ? 'n/a (404)' : rate(s.replay), s.replay?.events ? `${fmtInt(s.replay.events)} events, ${secs(s.replay.elapsedMs)}` : '', fmtMb(s.servingPeakRssKb)],
  ];
  const q = s.queries.filter((r) => r.available && r.latency);
  rows.push(['4 queries (autocannon)', q.length ? `${q.length}/${s.queries.length} routes` : 'n/a', 'see the query table', fmtMb(s.servingPeakRssKb)]);
  const y = s.readYourWrites;
  rows.push([
    '5 read-your-writes (role all)',
    !y ? 'n/a' : y.error ? `error: ${y.error.slice(0, 80)}` : `p50 ${fmtMs(y.lag.p50)} ms, p99 ${fmtMs(y.lag.p99)} ms`,
    y ? `${fmtInt(y.achievedEventsPerS)} of ${fmtInt(y.targetEventsPerS)} events/s offered, ${y.lag.count} reads, ${y.stale} stale` : '',
    fmtMb(s.servingPeakRssKb),
  ]);
  return { title: `Phases: ${fmtInt(s.events)} events (seed ${s.seed})`, headers: ['phase', 'result', 'detail', 'peak RSS'], rows };
}

/** Phase 1b, beside phase 1: the same number of usage records as Claude Code's OTLP/protobuf logs. */
function otlpRow(s: SuiteResult): string[] {
  const o = s.otlpIngest;
  const i = s.ingest;
  const vsJson = o && i && !o.error && !i.error ? ` (${fmtRatio(o.eventsPerS / i.eventsPerS)} of phase 1)` : '';
  return [
    '1b ingest, OTLP/protobuf logs (role api)',
    rate(o) + vsJson,
    o
      ? `${fmtInt(o.logEvents)} Claude Code api_request records, ${Math.round(o.bytesPerRecord)} B each, ${fmtInt(o.requests)} requests (${o.retriedBatches} retried), ` +
        `${o.clients} clients, batch p50/p99 ${fmtMs(o.batchLatency.p50)}/${fmtMs(o.batchLatency.p99)} ms, ${secs(o.elapsedMs)}`
      : '',
    fmtMb(o?.peakRssKb),
  ];
}

/** A few samples of the lag, evenly spread over the ingest, and the last one after the drain. */
function lagOverTime(l: LiveResult): string {
  const during = l.lag.slice(0, -1);
  const step = Math.max(1, Math.ceil(during.length / 6));
  const picked = [...during.filter((_, i) => i % step === step - 1), l.lag[l.lag.length - 1]].filter(Boolean);
  return picked.map((p) => `${p.atS.toFixed(0)} s: ${fmtInt(p.accepted - p.applied)}`).join(', ');
}

const deploymentOf = (r: LiveRun) =>
  r.topology === 'all' ? 'one process, role all' : `api + ${r.topology} × projector (LEDGER_PROJECTION_PARTITIONS=${r.partitions})`;

const codeOf = (r: LiveRun) => {
  if (r.code === 'current') return `${r.commit} (this checkout)`;
  const b = r.build;
  if (!b) return `${r.commit} (--live-baseline)`;
  const built = b.cached ? `build reused${b.lastBuildMs ? ` (${secs(b.lastBuildMs)} when made)` : ''}` : `built in ${secs(b.buildMs)}`;
  return `${b.sha.slice(0, 7)} (--live-baseline ${b.ref}; ${built})`;
};

/**
 * Issue 17's table: the live path at fleet load, the steady state beside the bulk figures, one column per run of the
 * phase (this checkout's deployments, then the baseline commit's), all on the same events in the same run.
 */
function liveTable(s: SuiteResult): Table | undefined {
  const l = s.live;
  const runs: readonly LiveRun[] = s.liveRuns ?? (l ? [{ label: 'role all', code: 'current', commit: '', topology: 'all', result: l }] : []);
  if (!runs.length) return undefined;
  const ceiling = s.peers.ceiling && !s.peers.ceiling.error ? s.peers.ceiling.eventsPerS : undefined;
  const baseline = liveBaseline(s);
  const first = runs.find((r) => r.result) ?? runs[0];
  const cell = (f: (x: LiveResult) => string) => runs.map((r) => (r.result ? f(r.result) : 'n/a'));
  const read = (x: LiveResult['session']) => `${fmtMs(x.latency.p50)} / ${fmtMs(x.latency.p99)} ms`;
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const perProcess = (r: LiveRun, f: (p: NonNullable<LiveRun['processes']>[number]) => string) => (r.processes ?? []).map((p) => `${p.role} ${f(p)}`).join(', ');
  const rows: string[][] = [
    ['code', ...runs.map(codeOf), 'the commit each service was built from'],
    ['deployment', ...runs.map(deploymentOf), 'processes on the one embedded PostgreSQL, each on a fresh database'],
    ...(runs.some((r) => r.error) ? [['error', ...runs.map((r) => (r.error ? r.error.slice(0, 160) : '')), 'that run stopped; the others went on']] : []),
    ['ingest accepted', ...cell((x) => `${fmtInt(x.ingestPerS)} events/s`), 'events accepted ÷ seconds from the first post to the last answer'],
    ['ingest time', ...cell((x) => secs(x.ingestMs)), ''],
    ['live projection during ingest', ...cell((x) => `${fmtInt(x.projectionPerS)} events/s`), "the checkpoint's events_applied when ingest stopped ÷ the same seconds"],
    ['projection ÷ ingest', ...cell((x) => (x.projectionPerS / x.ingestPerS).toFixed(2)), 'target ≥ 0.95'],
    ['lag, max during ingest', ...cell((x) => `${fmtInt(Math.max(0, ...x.lag.slice(0, -1).map((p) => p.accepted - p.applied)))} events`), 'sampled every second'],
    ['lag when ingest stopped', ...cell((x) => `${fmtInt(x.lagAtStop)} events`), ''],
    ['time to drain it', ...cell((x) => secs(x.drainMs)), 'target ≤ 2 s'],
    ['end-to-end (all events visible in the views)', ...cell((x) => `${fmtInt(x.endToEndPerS)} events/s`), 'distinct events ÷ seconds from the first post until the checkpoint held them all'],
    ['end-to-end ÷ COPY ceiling', ...cell((x) => pct(ceiling ? x.endToEndPerS / ceiling : undefined)), ceiling ? `COPY ceiling ${fmtInt(ceiling)} rows/s in this run; target ≥ 20%` : 'no COPY ceiling in this run (--skip-peers)'],
  ];
  if (baseline?.result) {
    const b = baseline.result.endToEndPerS;
    rows.push([`end-to-end ÷ ${baseline.commit}'s`, ...cell((x) => fmtRatio(x.endToEndPerS / b)), `target ≥ 3× for ${first.label}`]);
  }
  if (runs.length > 1 && first.result) {
    const f = first.result.endToEndPerS;
    rows.push([`end-to-end ÷ ${first.label}'s`, ...cell((x) => fmtRatio(x.endToEndPerS / f)), '']);
  }
  rows.push(
    ['GET /costs/sessions/:id during the load, p50 / p99', ...cell((x) => read(x.session)), 'target p99 ≤ 50 ms'],
    ['GET /v1/cost/summary (30 days) during the load, p50 / p99', ...cell((x) => read(x.summary)), 'target p99 ≤ 100 ms'],
    ['reads during the load', ...cell((x) => `${x.session.latency.count + x.summary.latency.count} (${x.session.notFound} × 404)`), `${first.result?.readsPerS ?? 20}/s offered, sessions and the summary in turn; a 404 is a session not projected yet`],
    ['CPU seconds during the phase, by process', ...runs.map((r) => perProcess(r, (p) => (p.cpuS === undefined ? 'n/a' : p.cpuS.toFixed(1))) || 'n/a'), 'a projector that stood by used little'],
    ['peak RSS', ...runs.map((r) => (r.processes && r.processes.length > 1 ? `${fmtMb(r.result?.peakRssKb)} (${perProcess(r, (p) => fmtMb(p.peakRssKb))})` : fmtMb(r.result?.peakRssKb))), 'each process its own peak, summed'],
    ['totals after the drain', ...runs.map((r) => (r.totalsExact === undefined ? 'not checked' : r.totalsExact ? 'exact' : 'MISMATCH (see the checks)')), totalsMeaning(runs)],
    ['lag over time (events)', ...cell(lagOverTime), ''],
  );
  const notes: string[] = [];
  if (baseline?.droppedFields?.length) {
    notes.push(
      `${baseline.commit} was sent the same events without ${baseline.droppedFields.join(', ')}, fields its ingest never had (reasoning and 1-hour cache tokens are parts of ` +
        'output and cache-creation tokens; the others are price modifiers). It prices with its own catalog, so its tokens and counts are checked against the generator and its costs against its own replay of the log.',
    );
  }
  if (runs.some((r) => r.topology !== 'all')) {
    notes.push('With several projector processes, code that partitions the projection shares the partitions among them; code with one active projector (ADR 0005) projects in one and keeps the others standing by.');
  }
  return {
    title: `Sustained live (the steady state): ${fmtInt(first.result?.events ?? s.events)} events, ${first.result?.clients ?? ''} clients × 500-event batches, reads during the load${ceiling ? `; COPY ceiling ${fmtInt(ceiling)} rows/s` : ''}`,
    headers: ['measure', ...runs.map((r) => r.label), 'how'],
    rows,
    notes,
  };
}

/** What "exact" means per kind of run. */
function totalsMeaning(runs: readonly LiveRun[]): string {
  return runs.some((r) => r.code === 'baseline')
    ? "this checkout: every /costs/summary equals the generator's; the baseline: its tokens and counts, and its costs equal its own replay of the log"
    : "every /costs/summary equals the generator's";
}

function queryTable(s: SuiteResult): Table {
  return {
    title: 'Query latency (ms), random workspace keys and ids',
    headers: ['route', 'req/s', 'p50', 'p95', 'p99', 'errors'],
    rows: s.queries.map((q) =>
      q.available && q.latency
        ? [q.name, fmtInt(q.requestsPerS ?? NaN), fmtMs(q.latency.p50), fmtMs(q.latency.p95), fmtMs(q.latency.p99), String(q.errors ?? 0) + (q.note ? ` (${q.note})` : '')]
        : [q.name, 'n/a', 'n/a', 'n/a', 'n/a', q.available ? (q.note ?? '') : 'route not there yet (404)'],
    ),
  };
}

function peerTable(s: SuiteResult): Table {
  const p = s.peers;
  const row = (label: string, r: typeof p.naive, what: string) => [
    label,
    rate(r),
    r ? `${fmtInt(r.events ?? NaN)} events in ${secs(r.elapsedMs)}${r.timeBoxed ? ` (stopped at the ${p.budgetS} s budget)` : ''}${r.note ? `; ${r.note}` : ''}` : '',
    what,
  ];
  return {
    title: p.skipped ? 'Peers: skipped (--skip-peers)' : `Peers on the same PostgreSQL (sample: the first ${fmtInt(p.sample)} distinct events)`,
    headers: ['peer', 'rate', 'measured on', 'does'],
    rows: p.skipped
      ? []
      : [
          row('naive NestJS + TypeORM', p.naive, 'save() per event + read-modify-write of the session row, 1 tx per event'),
          row('Emmett 0.42 append', p.emmettAppend, '100-event appends per session stream, expected versions'),
          row('Emmett 0.42 projection', p.emmettProjection, 'raw batch SQL projection, consumer until no messages left'),
          row('COPY ceiling', p.ceiling, 'rows/s: the same events COPYed into a bare table'),
        ].filter((_, i) => [p.naive, p.emmettAppend, p.emmettProjection, p.ceiling][i] !== undefined),
  };
}

function ratioTable(s: SuiteResult): Table {
  const r = ratios(s);
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  return {
    title: 'Ratios (same run, same server, same events)',
    headers: ['ratio', 'value'],
    rows: [
      ['OTLP ingest ÷ ingest (phase 1b ÷ phase 1)', fmtRatio(r.otlpVsJsonIngest)],
      ['ingest ÷ naive', fmtRatio(r.ingestVsNaive)],
      ['ingest ÷ Emmett append', fmtRatio(r.ingestVsEmmettAppend)],
      ['ingest ÷ COPY ceiling', pct(r.ingestVsCeiling)],
      ['projector ÷ Emmett projection', fmtRatio(r.projectorVsEmmett)],
      ['projector ÷ naive', fmtRatio(r.projectorVsNaive)],
      ['projector ÷ COPY ceiling', pct(r.projectorVsCeiling)],
      ['rebuild ÷ COPY ceiling', pct(r.rebuildVsCeiling)],
      ['sustained live: projection ÷ ingest', r.liveProjectionVsIngest === undefined ? 'n/a' : r.liveProjectionVsIngest.toFixed(2)],
      ['sustained live: end-to-end ÷ COPY ceiling', pct(r.liveEndToEndVsCeiling)],
      [`sustained live: end-to-end ÷ ${liveBaseline(s)?.commit ?? 'the baseline'}'s`, fmtRatio(r.liveEndToEndVsBaseline)],
      ...Object.entries(r.liveDeploymentsVsFirst ?? {}).map(([label, v]) => [`sustained live: end-to-end of ${label} ÷ the first deployment's`, fmtRatio(v)]),
    ],
  };
}

function targetTable(s: SuiteResult): Table {
  return { title: 'Targets (a MISS is reported, never fatal)', headers: ['target', 'measured', 'verdict'], rows: targets(s).map((t) => [t.target, t.measured, t.verdict]) };
}

function checkTable(s: SuiteResult): Table {
  return {
    title: 'Sanity checks',
    headers: ['check', 'result', 'detail'],
    rows: [...s.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]), ...s.errors.map((e) => ['run', 'FAILED', e])],
  };
}

function growthTable(suites: readonly SuiteResult[]): Table {
  const p99 = (s: SuiteResult, name: string) => {
    const q = s.queries.find((r) => r.name === name);
    return q?.latency ? fmtMs(q.latency.p99) : 'n/a';
  };
  return {
    title: 'Growth',
    headers: ['events', 'ingest events/s', 'OTLP ingest events/s', 'projector events/s', 'rebuild events/s', 'session p99 ms', 'summary p99 ms', 'RYW p99 ms'],
    rows: suites.map((s) => [
      fmtInt(s.events),
      rate(s.ingest, ''),
      rate(s.otlpIngest, ''),
      rate(s.projector, ''),
      s.rebuild?.available ? rate(s.rebuild, '') : 'n/a',
      p99(s, 'GET /costs/sessions/:id'),
      p99(s, 'GET /costs/summary'),
      s.readYourWrites ? fmtMs(s.readYourWrites.lag.p99) : 'n/a',
    ]),
  };
}

function tablesOf(report: RunReport): Table[] {
  const tables = report.suites.flatMap((s) =>
    s.ingest || s.projector || !s.live
      ? [phaseTable(s), ...[liveTable(s)].filter((t): t is Table => !!t), queryTable(s), peerTable(s), ratioTable(s), targetTable(s), checkTable(s)]
      : [liveTable(s)!, peerTable(s), targetTable(s), checkTable(s)],
  );
  if (report.suites.length > 1) tables.push(growthTable(report.suites));
  return tables;
}

const header = (r: RunReport) => {
  const m = r.machine;
  return [
    `Cost Ledger benchmark, ${r.date}${r.commit ? `, commit ${r.commit}` : ''}`,
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres} (embedded); load at start ${m.loadAtStart}`,
    `command: ${r.command}`,
  ];
};

export function renderText(report: RunReport): string {
  const out = [...header(report), ''];
  for (const t of tablesOf(report)) {
    if (!t.rows.length) {
      out.push(t.title, '');
      continue;
    }
    const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
    out.push(t.title, line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line), ...(t.notes ?? []).map((n) => `* ${n}`), '');
  }
  return out.join('\n');
}

export function renderMarkdown(report: RunReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['# Cost Ledger benchmark: latest run', '', ...header(report).map((l) => `- ${l}`), ''];
  out.push('Figures are from one run on a shared machine; compare the ratios, which were measured side by side (see docs/adr/0006-benchmark-method.md).', '');
  for (const t of tablesOf(report)) {
    out.push(`## ${t.title}`, '');
    if (!t.rows.length) continue;
    out.push(`| ${t.headers.map(esc).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`), '');
    for (const n of t.notes ?? []) out.push(n, '');
  }
  return out.join('\n');
}

/**
 * Writes latest.json (every figure, raw) and latest.md beside it, and the same
 * as latest-<label>.* so that a quick run does not hide the last full one.
 */
export async function writeReport(dir: string, report: RunReport, label: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify(
    { ...report, suites: report.suites.map((s) => ({ ...s, ratios: ratios(s), targets: targets(s) })) },
    (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
    2,
  );
  const markdown = renderMarkdown(report);
  for (const name of ['latest', `latest-${label}`]) {
    await writeFile(path.join(dir, `${name}.json`), `${json}\n`);
    await writeFile(path.join(dir, `${name}.md`), `${markdown}\n`);
  }
}
