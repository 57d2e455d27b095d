import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DataSet, distinctEvents, eventFields, withoutFields } from './data/data-set';
import { generateOtlpUsage, OtlpDataSet } from './data/otlp-usage.generator';
import { generateUsage } from './data/usage.generator';
import { runCopyCeiling } from './peers/copy-ceiling.peer';
import { runEmmett } from './peers/emmett.peer';
import { runNaiveTypeOrm } from './peers/naive-typeorm.peer';
import { runIngest } from './phases/ingest.phase';
import { LiveResult, runSustainedLive } from './phases/live.phase';
import { checkOtlpTotals, runOtlpIngest } from './phases/otlp-ingest.phase';
import { PhaseContext } from './phases/phase-context';
import { ProjectorResult, runProjectorCatchUp } from './phases/projector.phase';
import { runQueries } from './phases/queries.phase';
import { runReadYourWrites } from './phases/read-your-writes.phase';
import { runRebuild } from './phases/rebuild.phase';
import { Check, check, checkAgainstReplay, checkTotals } from './phases/smoke.check';
import { LiveTopology } from './bench-options';
import { LiveRun, SuiteResult } from './suite-result';
import { BaselineBuild, BENCH_CACHE, buildAtRef, cachedBuildMs, currentCommit, fieldsUnknownAt } from './support/baseline-checkout';
import { HttpJson } from './support/http-json';
import { BenchPostgres } from './support/postgres';
import { Progress } from './support/progress';
import { LedgerRole, ServiceProcess } from './support/service-process';
import { elapsedSince, now } from './support/stats';

export interface SuiteOptions {
  readonly events: number;
  readonly seed: string;
  readonly clients: number;
  readonly querySeconds: number;
  readonly rywSeconds: number;
  readonly skipPeers: boolean;
  /** Distinct events given to each peer, and the seconds each may run. */
  readonly peerEvents: number;
  readonly peerBudgetS: number;
  /** Rows for the COPY ceiling (it is fast, so it gets more than the other peers). */
  readonly ceilingEvents: number;
  readonly logDir: string;
  readonly cpuProfileDir?: string;
  readonly liveEvents: number;
  readonly liveOnly: boolean;
  readonly liveTopologies: readonly LiveTopology[];
  readonly liveBaseline?: string;
}

/** Runs every phase and peer at one size, on fresh databases of the shared server. */
export async function runSuite(pg: BenchPostgres, options: SuiteOptions, progress: Progress): Promise<SuiteResult> {
  if (options.liveOnly) return runLiveSuite(pg, options, progress);
  const suiteStart = now();
  const errors: string[] = [];
  const checks: Check[] = [];

  const genStart = now();
  const data = await progress.step(`generate ${options.events.toLocaleString('en-US')} events (seed ${options.seed})`, async () =>
    generateUsage({ events: options.events, seed: options.seed }),
  );
  const generation = { elapsedMs: elapsedSince(genStart), sent: data.sent, batches: data.batches.length, stats: data.stats };
  progress.line(
    `  ${data.stats.sessions.toLocaleString('en-US')} sessions, ${data.stats.executions.toLocaleString('en-US')} executions, ` +
      `${data.stats.lateEvents} late + ${data.stats.afterFinalization} after finalization, ${data.stats.resent} re-sent, ` +
      `${data.stats.longContextCalls} long-context calls, ${data.stats.unpricedCalls} unpriced calls, ${data.stats.retriedBatches} retried batches`,
  );
  progress.line(`  calls by price dimension: ${Object.entries(data.stats.dimensions).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ')}`);
  // Released once phase 1b has sent it.
  let otlpData: OtlpDataSet | undefined = await progress.step(`encode ${data.events.toLocaleString('en-US')} Claude Code api_request records as OTLP/protobuf`, async () =>
    generateOtlpUsage({ records: data.events, seed: options.seed }),
  );
  progress.line(`  ${otlpData.batches.length.toLocaleString('en-US')} requests, ${Math.round(otlpData.bytes / otlpData.records)} bytes per record, ${otlpData.truth.sessions.toLocaleString('en-US')} sessions`);

  const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
  const services: ServiceProcess[] = [];
  /** The phases' context on a fresh database of the shared server. */
  const contextOn = async (database: string, logLabel: string): Promise<PhaseContext> => {
    const databaseUrl = await pg.createDatabase(database);
    return {
      data,
      pg,
      database,
      databaseUrl,
      adminKey,
      progress,
      querySeconds: options.querySeconds,
      rywSeconds: options.rywSeconds,
      startService: async (role: LedgerRole) => {
        const service = await ServiceProcess.start({
          databaseUrl,
          adminKey,
          role,
          logFile: path.join(options.logDir, `ledger-${logLabel}-${role}.log`),
          cpuProfileDir: options.cpuProfileDir,
        });
        services.push(service);
        return service;
      },
    };
  };
  const ctx = await contextOn(`ledger_${options.events}`, String(options.events));

  let result: Omit<SuiteResult, 'peers' | 'checks' | 'errors' | 'elapsedMs'> = { events: data.events, seed: data.seed, generation, queries: [] };
  try {
    // Phase 1, with the keys issued on the same api process.
    const api = await ctx.startService('api');
    const keys = await issueKeys(api, adminKey, data.workspaces);
    const ingest = await runIngest(ctx, api, keys, options.clients);
    result = { ...result, ingest };
    checks.push(check('ingest completed', !ingest.error, ingest.error ?? `${ingest.requests} requests`));
    checks.push(
      check(
        'ingest answered no 5xx',
        ingest.serverErrors === 0,
        ingest.serverErrors
          ? `${ingest.serverErrors} × 5xx (retried by the client); first: ${ingest.firstServerError}; service log: ${ingest.serverErrorLog?.file ?? 'no error lines'}`
          : 'none',
      ),
    );
    if (ingest.serverErrors && ingest.serverErrorLog) {
      progress.line(`ingest answered ${ingest.serverErrors} × 5xx; the service logged (all of it in ${ingest.serverErrorLog.file}):`);
      for (const line of ingest.serverErrorLog.lines) progress.line(`  ${line}`);
    }
    const retriedEvents = data.batches.filter((b) => b.retry).reduce((n, b) => n + b.events, 0);
    checks.push(check('the log holds every distinct event once', ingest.logEvents === data.events, `${ingest.logEvents} in the log, ${data.events} generated`));
    checks.push(
      check(
        'accepted + duplicates = events sent',
        ingest.accepted + ingest.duplicates === data.sent + retriedEvents,
        `${ingest.accepted} + ${ingest.duplicates} vs ${data.sent} + ${retriedEvents} retried`,
      ),
      // Batches in flight together may carry the same new event: one is answered accepted, the other duplicate (ADR 0004).
      check('each distinct event answered accepted exactly once', ingest.accepted === data.events, `${ingest.accepted} accepted, ${data.events} distinct`),
    );

    // Phase 1b, on a database of its own, then released.
    const otlp = await runOtlpPhase(await contextOn(`${ctx.database}_otlp`, `${options.events}-otlp`), otlpData!, options.clients, checks);
    otlpData = undefined;
    result = { ...result, otlpIngest: otlp.ingest, otlpCatchUp: otlp.catchUp };

    // Phase 2.
    const projector = await runProjectorCatchUp(ctx);
    result = { ...result, projector };
    checks.push(check('projector caught up with the whole log', !projector.error, projector.error ?? `${projector.events} events`));
    checks.push(
      check(
        'checkpoint events_applied equals the log count at the head',
        projector.eventsApplied === projector.events,
        `events_applied ${projector.eventsApplied}, usage events in the log ${projector.events}`,
      ),
    );

    // Phases 3 to 5 on one role=all service.
    const serving = await ctx.startService('all');
    const http = new HttpJson(serving.url, 8);
    try {
      checks.push(...(await checkTotals(http, data, keys, adminKey, 'after catch-up')));
      const rebuild = await runRebuild(ctx, http, ingest.logEvents, 'facts');
      result = { ...result, rebuild };
      if (rebuild.available) {
        checks.push(check('rebuild completed', !rebuild.error, rebuild.error ?? `${rebuild.events} events`));
        if (!rebuild.error) checks.push(...(await checkTotals(http, data, keys, adminKey, 'after rebuild')));
      }
      const replay = await runRebuild(ctx, http, ingest.logEvents, 'log');
      result = { ...result, replay };
      if (replay.available) {
        checks.push(check('rebuild replaying the log completed', !replay.error, replay.error ?? `${replay.events} events`));
        if (!replay.error) checks.push(...(await checkTotals(http, data, keys, adminKey, 'after the replay')));
      }
      const queries = await runQueries(ctx, http, keys);
      result = { ...result, queries };
      const failing = queries.filter((q) => q.available && (q.errors ?? 0) > 0);
      checks.push(check('every available read route answered 200', failing.length === 0, failing.map((q) => `${q.name}: ${q.errors} errors ${q.note ?? ''}`).join('; ') || `${queries.filter((q) => q.available).length} routes`));
      const readYourWrites = await runReadYourWrites(ctx, http, keys.get(data.workspaces[0])!);
      result = { ...result, readYourWrites };
      checks.push(check('read-your-writes: every read saw its write', !readYourWrites.error && readYourWrites.stale === 0, readYourWrites.error ?? `${readYourWrites.lag.count} reads, ${readYourWrites.stale} stale`));
    } finally {
      http.close();
      result = { ...result, servingPeakRssKb: serving.peakRssKb() };
      await serving.stop();
    }
  } catch (err) {
    errors.push((err as Error).message);
    progress.line(`✘ ${(err as Error).message}`);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }

  const live = await runLivePhase(pg, options, adminKey, progress, checks);
  if (live) result = { ...result, live: live.live, liveRuns: live.runs };

  const peers = await runPeers(pg, data, options, progress).catch((err: Error) => {
    errors.push(`peers: ${err.message}`);
    return { skipped: false, sample: options.peerEvents, budgetS: options.peerBudgetS };
  });
  return { ...result, peers, checks, errors, elapsedMs: elapsedSince(suiteStart) };
}

/** `--live-only`: the sustained live phase, and the COPY ceiling on its events for the end-to-end target. */
async function runLiveSuite(pg: BenchPostgres, options: SuiteOptions, progress: Progress): Promise<SuiteResult> {
  const suiteStart = now();
  const checks: Check[] = [];
  const errors: string[] = [];
  const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
  const live = await runLivePhase(pg, options, adminKey, progress, checks);
  if (!live) errors.push('the sustained live phase did not run (--live-events 0?)');
  const sample = Math.min(options.ceilingEvents, live?.data.events ?? 0);
  let ceiling: SuiteResult['peers']['ceiling'];
  if (live && !options.skipPeers) {
    ceiling = await runCopyCeiling(pg, distinctEvents(live.data, sample), progress).catch((err: Error) => ({ name: 'COPY ceiling', error: err.message }));
  }
  const data = live?.data;
  return {
    events: data?.events ?? 0,
    seed: options.seed,
    generation: { elapsedMs: live?.generationMs ?? 0, sent: data?.sent ?? 0, batches: data?.batches.length ?? 0, stats: data?.stats ?? ({} as SuiteResult['generation']['stats']) },
    queries: [],
    live: live?.live,
    liveRuns: live?.runs,
    peers: { skipped: options.skipPeers, sample, budgetS: options.peerBudgetS, ceiling },
    checks,
    errors,
    elapsedMs: elapsedSince(suiteStart),
  };
}

/**
 * The sustained live phase on a data set of its own, once per deployment of this checkout and then on the baseline
 * commit's service, one after the other, each on a fresh database with the same data, clients and batches; then
 * every total after the drain against the generator's oracle. A broken run is a failed check; the others go on.
 */
async function runLivePhase(
  pg: BenchPostgres,
  options: SuiteOptions,
  adminKey: string,
  progress: Progress,
  checks: Check[],
): Promise<{ live?: LiveResult; runs: LiveRun[]; data: DataSet; generationMs: number } | undefined> {
  if (!options.liveEvents) return undefined;
  const genStart = now();
  const data = await progress.step(`generate ${options.liveEvents.toLocaleString('en-US')} events for the sustained live phase`, async () =>
    generateUsage({ events: options.liveEvents, seed: options.seed }),
  );
  const generationMs = elapsedSince(genStart);
  const commit = await currentCommit();
  const runs: LiveRun[] = [];
  for (const topology of options.liveTopologies) {
    runs.push(await runLiveDeployment(pg, options, data, adminKey, progress, checks, { code: 'current', commit, topology }, runs.length));
  }
  if (options.liveBaseline) {
    const ref = options.liveBaseline;
    let build: BaselineBuild | undefined;
    try {
      build = await progress.step(`build the live baseline ${ref} (once per machine, into ${BENCH_CACHE})`, () => buildAtRef(ref, (l) => progress.line(`  ${l}`)));
      if (build.cached) progress.line(`  reused the build of ${build.sha.slice(0, 12)} from an earlier run`);
    } catch (err) {
      const error = (err as Error).message;
      checks.push(check(`live (${ref}): the baseline built`, false, error));
      runs.push({ label: `${ref}, role all`, code: 'baseline', commit: ref, topology: 'all', error });
    }
    if (build) {
      const sha = build.sha.slice(0, 7);
      // The same events in the contract that commit accepts: fields it never had are left out (they are subsets or
      // price modifiers of a call, so its tokens and counts stay the generator's).
      const dropped = await fieldsUnknownAt(build.sha, eventFields(data));
      if (dropped.length) progress.line(`  ${sha}'s ingest has no ${dropped.join(', ')}: its events are sent without them`);
      const run = await runLiveDeployment(pg, options, withoutFields(data, dropped), adminKey, progress, checks, { code: 'baseline', commit: sha, topology: 'all', build }, runs.length);
      runs.push({
        ...run,
        droppedFields: dropped,
        build: { ref, sha: build.sha, buildMs: build.buildMs, cached: build.cached, lastBuildMs: build.cached ? cachedBuildMs(build.sha) : undefined },
      });
    }
  }
  return { live: runs.find((r) => r.code === 'current')?.result, runs, data, generationMs };
}

/** Projector partitions given to a deployment of several processes (issue 17 §3: K projectors over P partitions). */
const LIVE_PARTITIONS = 8;

/**
 * One deployment on a fresh database: role all, or an api process with K projector processes on the same
 * database (started one after the other, api first, so that one of them migrates and the rest find it done; a
 * projector that holds no lease stands by, which the phase does not mind).
 */
async function runLiveDeployment(
  pg: BenchPostgres,
  options: SuiteOptions,
  data: DataSet,
  adminKey: string,
  progress: Progress,
  checks: Check[],
  run: { code: LiveRun['code']; commit: string; topology: LiveTopology; build?: BaselineBuild },
  index: number,
): Promise<LiveRun> {
  const { topology } = run;
  const partitions = topology === 'all' ? undefined : LIVE_PARTITIONS;
  const deployment = topology === 'all' ? 'role all' : `api + ${topology} projector${topology > 1 ? 's' : ''}, P=${partitions}`;
  const label = `${run.commit}, ${deployment}`;
  const database = `ledger_live_${options.liveEvents}_${index}`;
  const services: ServiceProcess[] = [];
  let result: LiveResult | undefined;
  let totalsExact: boolean | undefined;
  let error: string | undefined;
  let processes: LiveRun['processes'];
  try {
    const databaseUrl = await pg.createDatabase(database);
    const start = async (role: LedgerRole, n = '') => {
      const service = await ServiceProcess.start({
        databaseUrl,
        adminKey,
        role,
        logFile: path.join(options.logDir, `ledger-live-${options.liveEvents}-${run.commit}-${topology}-${role}${n}.log`),
        cpuProfileDir: options.cpuProfileDir,
        env: partitions ? { LEDGER_PROJECTION_PARTITIONS: String(partitions) } : undefined,
        main: run.build?.main,
        cwd: run.build?.root,
      });
      services.push(service);
      return service;
    };
    const { api, keys } = await progress.step(`start ${label} on a fresh database, and issue keys`, async () => {
      const first = await start(topology === 'all' ? 'all' : 'api');
      if (topology !== 'all') for (let k = 1; k <= topology; k++) await start('projector', String(k));
      return { api: first, keys: await issueKeys(first, adminKey, data.workspaces) };
    });
    const target = {
      url: api.url,
      peakRssKb: () => services.reduce<number | undefined>((sum, s) => (s.peakRssKb() === undefined ? sum : (sum ?? 0) + s.peakRssKb()!), undefined),
    };
    const cpuBefore = services.map((s) => s.cpuSeconds());
    result = await progress.step(`sustained live (${label}): ${data.events.toLocaleString('en-US')} events, ${options.clients} clients`, (tick) =>
      runSustainedLive(target, databaseUrl, data, keys, options.clients, tick),
    );
    processes = services.map((s, i) => {
      const [before, after] = [cpuBefore[i], s.cpuSeconds()];
      return { role: s.role, peakRssKb: s.peakRssKb(), cpuS: before === undefined || after === undefined ? undefined : after - before };
    });
    const live = result;
    checks.push(
      check(`live (${label}): ingest answered no 5xx`, live.serverErrors === 0, live.serverErrors ? `${live.serverErrors} × 5xx (retried)` : 'none'),
      check(`live (${label}): reads under load answered 200 or 404`, live.session.errors + live.summary.errors === 0, `${live.session.errors + live.summary.errors} errors`),
    );
    const http = new HttpJson(api.url, 2);
    try {
      const after = `after the live drain (${label})`;
      // Another commit prices with its own catalog: its tokens and counts against the generator, its costs against
      // its own replay of the log.
      const totals = await progress.step(`check the totals after the drain (${label})`, async () =>
        run.build
          ? [
              ...(await checkTotals(http, data, keys, adminKey, after, { cost: false })),
              ...(await checkAgainstReplay(http, data, keys, adminKey, after, () => runRebuild({ progress, adminKey }, http, data.events, 'log'))),
            ]
          : checkTotals(http, data, keys, adminKey, after),
      );
      checks.push(...totals);
      totalsExact = totals.every((c) => c.ok);
    } finally {
      http.close();
    }
  } catch (err) {
    error = (err as Error).message;
    checks.push(check(`sustained live phase ran (${label})`, false, error));
  } finally {
    processes ??= services.map((s) => ({ role: s.role, peakRssKb: s.peakRssKb() }));
    await Promise.all(services.map((s) => s.stop()));
    await pg.query('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  }
  return { label, code: run.code, commit: run.commit, topology, partitions, result, error, totalsExact, processes };
}

/**
 * Phase 1b and its exactness: the OTLP records through `POST /otlp/v1/logs` (role api), then, unclocked beside
 * phase 1, a catch-up of that log and the OTLP workspace's `/costs/summary` against the generator's pricing.
 * The database is dropped afterwards: the later phases see phase 1's log alone.
 */
async function runOtlpPhase(
  ctx: PhaseContext,
  data: OtlpDataSet,
  clients: number,
  checks: Check[],
): Promise<{ ingest?: SuiteResult['otlpIngest']; catchUp?: ProjectorResult }> {
  // A broken OTLP phase is reported and the run goes on: phases 2 to 5 do not depend on it.
  try {
    const api = await ctx.startService('api');
    const key = (await issueKeys(api, ctx.adminKey, [data.workspace])).get(data.workspace)!;
    const ingest = await runOtlpIngest(ctx, api, data, key, clients);
    checks.push(
      check('OTLP ingest completed', !ingest.error, ingest.error ?? `${ingest.requests} requests`),
      check('OTLP ingest answered no 5xx', ingest.serverErrors === 0, ingest.serverErrors ? `${ingest.serverErrors} × 5xx; first: ${ingest.firstServerError}` : 'none'),
      check('OTLP: no record rejected (partialSuccess)', ingest.rejected === 0, ingest.rejected ? `${ingest.rejected} rejected; first: ${ingest.firstRejection}` : 'none'),
      check('OTLP: the log holds one event per record, retried batches once', ingest.logEvents === data.records, `${ingest.logEvents} in the log, ${data.records} records`),
    );
    const catchUp = await runProjectorCatchUp(ctx);
    checks.push(check('OTLP: projector caught up with the OTLP log', !catchUp.error, catchUp.error ?? `${catchUp.events} events`));
    if (!catchUp.error) {
      const serving = await ctx.startService('all');
      const http = new HttpJson(serving.url, 2);
      try {
        checks.push(await checkOtlpTotals(http, data, key));
      } finally {
        http.close();
        await serving.stop();
      }
    }
    return { ingest, catchUp };
  } catch (err) {
    checks.push(check('OTLP phase ran', false, (err as Error).message));
    return {};
  } finally {
    await ctx.pg.query('postgres', `DROP DATABASE IF EXISTS ${ctx.database} WITH (FORCE)`).catch(() => undefined);
  }
}

async function runPeers(pg: BenchPostgres, data: Parameters<typeof distinctEvents>[0], options: SuiteOptions, progress: Progress): Promise<SuiteResult['peers']> {
  const sample = Math.min(options.peerEvents, data.events);
  if (options.skipPeers) return { skipped: true, sample, budgetS: options.peerBudgetS };
  const events = [...distinctEvents(data, sample)];
  const budgetMs = options.peerBudgetS * 1000;
  const safely = async <T>(name: string, fn: () => Promise<T>): Promise<T | { name: string; error: string }> => {
    try {
      return await fn();
    } catch (err) {
      return { name, error: (err as Error).message };
    }
  };
  const naive = await safely('naive NestJS + TypeORM', () => runNaiveTypeOrm(pg, events, progress, budgetMs, options.clients));
  const emmett = await safely('Emmett', () => runEmmett(pg, events, progress, budgetMs, options.clients));
  const ceiling = await safely('COPY ceiling', () => runCopyCeiling(pg, distinctEvents(data, Math.min(options.ceilingEvents, data.events)), progress));
  const emmettFailed = 'error' in emmett;
  return {
    skipped: false,
    sample,
    budgetS: options.peerBudgetS,
    naive,
    emmettAppend: emmettFailed ? { name: 'Emmett append', error: emmett.error } : emmett.append,
    emmettProjection: emmettFailed ? { name: 'Emmett projection', error: emmett.error } : emmett.projection,
    ceiling,
  };
}

/** One key per workspace, through the admin API, as an operator would issue them. */
async function issueKeys(service: ServiceProcess, adminKey: string, workspaces: readonly string[]): Promise<Map<string, string>> {
  const http = new HttpJson(service.url, 4);
  try {
    const keys = new Map<string, string>();
    for (const ws of workspaces) {
      const res = await http.post<{ data: { key: string } }>('/v1/admin/api-keys', adminKey, { workspace_id: ws, name: 'bench' });
      if (res.status !== 201) throw new Error(`issuing a key for ${ws} answered ${res.status}: ${JSON.stringify(res.body)}`);
      keys.set(ws, res.body.data.key);
    }
    return keys;
  } finally {
    http.close();
  }
}
