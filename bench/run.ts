import 'reflect-metadata';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchOptions, parseOptions, USAGE, UsageError } from './bench-options';
import { renderText, RunReport, writeReport } from './report/report';
import { runSuite } from './suite';
import { SuiteResult } from './suite-result';
import { currentCommit } from './support/baseline-checkout';
import { machineFacts } from './support/machine';
import { BenchPostgres, startBenchPostgres } from './support/postgres';
import { Progress } from './support/progress';
import { REPO_ROOT } from './support/service-process';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench/results');

/** `npm run bench`: see USAGE. Prints the table on stdout, progress on stderr. */
async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message) console.error(err.message);
      console.error(USAGE);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  const progress = new Progress();
  const logDir = path.join(tmpdir(), `cost-ledger-bench-logs-${process.pid}`);
  progress.line(`service logs in ${logDir}`);
  let pg: BenchPostgres | undefined;
  // An interrupted run still stops the PostgreSQL it started (its data directory is temporary).
  const interrupt = () => void (pg?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const statements = options.logStatementsMs === undefined ? undefined : { slowerThanMs: options.logStatementsMs, logFile: path.join(logDir, 'postgres.log'), explain: options.explain };
    pg = await progress.step('start embedded PostgreSQL', () => startBenchPostgres(statements));
    const machine = machineFacts(pg.version);
    const suites: SuiteResult[] = [];
    // The live phase runs on a fresh database of its own size, so a growth run measures it once, with its first suite.
    for (const [index, events] of (options.liveOnly ? options.sizes.slice(0, 1) : options.sizes).entries()) {
      suites.push(
        await runSuite(
          pg,
          {
            events,
            seed: options.seed,
            clients: options.clients,
            querySeconds: options.querySeconds,
            rywSeconds: options.rywSeconds,
            skipPeers: options.skipPeers,
            peerEvents: options.peerEvents,
            peerBudgetS: options.peerBudgetS,
            ceilingEvents: 1_000_000,
            liveEvents: index === 0 ? options.liveEvents : 0,
            liveOnly: options.liveOnly,
            liveTopologies: options.liveTopologies,
            liveBaseline: options.liveBaseline,
            logDir,
            cpuProfileDir: options.profile ? path.join(RESULTS_DIR, 'profiles') : undefined,
          },
          progress,
        ),
      );
    }
    const report: RunReport = { date: new Date().toISOString(), commit: await currentCommit(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), machine, suites };
    process.stdout.write(`${renderText(report)}\n`);
    const label = options.liveOnly ? `live-${options.liveEvents}` : options.sizes.length > 1 ? 'growth' : options.quick ? 'quick' : options.sizes[0] === 1_000_000 ? 'default' : `${options.sizes[0]}-events`;
    await writeReport(RESULTS_DIR, report, label);
    progress.line(`wrote ${path.relative(REPO_ROOT, RESULTS_DIR)}/latest.{json,md} and latest-${label}.{json,md}`);
    const failed = suites.flatMap((s) => [...s.checks.filter((c) => !c.ok).map((c) => c.name), ...s.errors]);
    if (failed.length) progress.line(`${failed.length} check(s) failed: ${failed.join('; ')}`);
    return options.smoke && failed.length ? 1 : 0;
  } finally {
    await pg?.stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
