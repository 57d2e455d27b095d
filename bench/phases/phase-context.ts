import { DataSet } from '../data/data-set';
import { BenchPostgres } from '../support/postgres';
import { Progress } from '../support/progress';
import { LedgerRole, ServiceProcess } from '../support/service-process';

/** What every phase of one run shares. */
export interface PhaseContext {
  readonly data: DataSet;
  readonly pg: BenchPostgres;
  /** The ledger's database name on `pg`, and its URL. */
  readonly database: string;
  readonly databaseUrl: string;
  readonly adminKey: string;
  readonly progress: Progress;
  /** Starts the service binary on the ledger database with a role. */
  startService(role: LedgerRole): Promise<ServiceProcess>;
  /** Seconds each query route is loaded for. */
  readonly querySeconds: number;
  /** Seconds of steady load in the read-your-writes phase. */
  readonly rywSeconds: number;
}

/** A phase that could not run, or broke, keeps its reason; the run goes on. */
export interface PhaseOutcome {
  readonly error?: string;
  readonly peakRssKb?: number;
}

/** The log also holds non-usage events (the pricing catalog's PriceSet): counts compare usage events only. */
export const USAGE_EVENTS_SQL = `SELECT count(*)::text AS n FROM event_log WHERE event_type IN ('TokenUsed', 'ToolCalled', 'SessionFinalized')`;
