export interface BenchOptions {
  /** Sizes to run, one suite each (more than one with --growth). */
  readonly sizes: readonly number[];
  readonly seed: string;
  readonly quick: boolean;
  readonly smoke: boolean;
  readonly skipPeers: boolean;
  readonly profile: boolean;
  /** Log every statement of the server slower than this (ms) to the run's log directory; undefined: none. */
  readonly logStatementsMs?: number;
  /** With logStatementsMs: auto_explain (ANALYZE, BUFFERS) of those statements too. */
  readonly explain: boolean;
  readonly querySeconds: number;
  readonly rywSeconds: number;
  readonly peerEvents: number;
  readonly peerBudgetS: number;
  readonly clients: number;
  /** Distinct events of the sustained live phase; 0: no live phase. */
  readonly liveEvents: number;
  /** Only the sustained live phase (and the COPY ceiling on its events unless --skip-peers). */
  readonly liveOnly: boolean;
  /**
   * The live phase's deployments of this checkout, in order: `all` (one process, role all) or K (one api process
   * and K projector processes on the same database).
   */
  readonly liveTopologies: readonly LiveTopology[];
  /** A commit whose service runs the same live phase after this checkout's, role all; undefined: none. */
  readonly liveBaseline?: string;
}

export type LiveTopology = 'all' | number;

/** Issue 17 compares the live path with this commit's ("today's code" when the issue was filed). */
export const DEFAULT_LIVE_BASELINE = 'ae78b07';

export const USAGE = `npm run bench -- [options]
  --events N        distinct events to generate (default 1000000)
  --seed S          generator seed (default "cost-ledger")
  --quick           100k events and short query windows (< 2 min)
  --smoke           CI: --quick, plus sanity checks that fail the run
  --growth          run 100k and 1M (and 5M with --huge), peers skipped
  --huge            with --growth, add 5M
  --skip-peers      skip Emmett, naive TypeORM and the COPY ceiling
  --profile         write V8 CPU profiles of the service to bench/results/profiles
  --log-statements MS  log the server's statements slower than MS ms to postgres.log in the log directory
  --explain         with --log-statements, also log their plans (auto_explain: ANALYZE, BUFFERS)
  --query-seconds S seconds per read route (default 5, quick 2)
  --peer-events N   distinct events given to each peer (default 100000, quick 20000)
  --peer-budget S   seconds each peer may run before it is stopped (default 30, quick 8)
  --clients N       concurrent ingest clients and peer writers (default 8)
  --live-events N   events of the sustained live phase (default 300000, quick 20000; 0: none)
  --live-only       run the sustained live phase alone (with the COPY ceiling on its events unless --skip-peers)
  --live-projectors LIST  the live phase's deployments, side by side: "all" (one process, role all) and K
                    (an api process + K projector processes, LEDGER_PROJECTION_PARTITIONS=8); default all,2, quick all
  --live-baseline REF  also run the live phase on REF's service, role all (built once per machine into
                    ~/.cache/cost-ledger-bench/<sha>, or $LEDGER_BENCH_CACHE); default ${DEFAULT_LIVE_BASELINE}, quick none; none: skip it`;

export class UsageError extends Error {}

/** Parses `process.argv.slice(2)`; unknown flags are an error, so a typo never runs a different benchmark. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const valued = ['--events', '--seed', '--query-seconds', '--peer-events', '--peer-budget', '--clients', '--log-statements', '--live-events', '--live-projectors', '--live-baseline'];
  const plain = ['--quick', '--smoke', '--growth', '--huge', '--skip-peers', '--profile', '--help', '--live-only', '--explain'];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      values.set(name, value);
    } else if (plain.includes(name)) flags.add(name);
    else throw new UsageError(`unknown option ${argv[i]}`);
  }
  if (flags.has('--help')) throw new UsageError('');
  const int = (name: string, fallback: number) => {
    const v = values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v.replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n < 0 || (n === 0 && name !== '--live-events')) throw new UsageError(`${name} must be a positive integer`);
    return n;
  };
  const smoke = flags.has('--smoke');
  const quick = flags.has('--quick') || smoke;
  const growth = flags.has('--growth');
  const events = int('--events', quick ? 100_000 : 1_000_000);
  const sizes = growth ? [100_000, 1_000_000, ...(flags.has('--huge') ? [5_000_000] : [])] : [events];
  if (sizes.some((n) => n < 1000)) throw new UsageError('--events must be at least 1000');
  const topologies = (values.get('--live-projectors') ?? (quick ? 'all' : 'all,2')).split(',').map((t): LiveTopology => {
    const k = Number(t.trim());
    if (t.trim() === 'all') return 'all';
    if (!Number.isInteger(k) || k < 1 || k > 8) throw new UsageError(`--live-projectors takes "all" or a projector count from 1 to 8, not "${t}"`);
    return k;
  });
  if (new Set(topologies).size !== topologies.length) throw new UsageError('--live-projectors names a deployment twice');
  // The smoke run stays fast and needs no history: the baseline's build and run are asked for, never defaulted.
  const baseline = values.get('--live-baseline') ?? (quick ? 'none' : DEFAULT_LIVE_BASELINE);
  if (baseline !== 'none' && !/^[\w./~^@{}-]+$/.test(baseline)) throw new UsageError(`--live-baseline takes a git ref or none, not "${baseline}"`);
  return {
    sizes,
    seed: values.get('--seed') ?? 'cost-ledger',
    quick,
    smoke,
    skipPeers: flags.has('--skip-peers') || growth,
    profile: flags.has('--profile'),
    logStatementsMs: values.has('--log-statements') ? int('--log-statements', 0) : undefined,
    explain: flags.has('--explain'),
    querySeconds: int('--query-seconds', quick ? 2 : 5),
    rywSeconds: quick ? 5 : 15,
    peerEvents: int('--peer-events', quick ? 20_000 : 100_000),
    peerBudgetS: int('--peer-budget', quick ? 8 : 30),
    clients: int('--clients', 8),
    liveEvents: int('--live-events', quick ? 20_000 : 300_000),
    liveOnly: flags.has('--live-only'),
    liveTopologies: topologies,
    liveBaseline: baseline === 'none' ? undefined : baseline,
  };
}
