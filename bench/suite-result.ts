import { LiveTopology } from './bench-options';
import { GenerationStats } from './data/data-set';
import { PeerResult } from './peers/session-cost';
import { IngestResult } from './phases/ingest.phase';
import { LiveResult } from './phases/live.phase';
import { OtlpIngestResult } from './phases/otlp-ingest.phase';
import { ProjectorResult } from './phases/projector.phase';
import { RouteResult } from './phases/queries.phase';
import { ReadYourWritesResult } from './phases/read-your-writes.phase';
import { RebuildResult } from './phases/rebuild.phase';
import { Check } from './phases/smoke.check';

/** Everything one run at one size measured. */
export interface SuiteResult {
  readonly events: number;
  readonly seed: string;
  readonly generation: { readonly elapsedMs: number; readonly sent: number; readonly batches: number; readonly stats: GenerationStats };
  readonly ingest?: IngestResult;
  /** Phase 1b: as many Claude Code records as OTLP/protobuf logs, on a database of their own. */
  readonly otlpIngest?: OtlpIngestResult;
  /** That database's catch-up, run only to check the OTLP workspace's totals; not a figure to compare. */
  readonly otlpCatchUp?: ProjectorResult;
  readonly projector?: ProjectorResult;
  /** The default rebuild: every cost restated from the read model's facts. */
  readonly rebuild?: RebuildResult;
  /** A rebuild replaying the log from its start (`source: log`). */
  readonly replay?: RebuildResult;
  readonly queries: readonly RouteResult[];
  readonly readYourWrites?: ReadYourWritesResult;
  /** The sustained live phase (issue 17), on a database of its own with a data set of its own: this checkout's first deployment (role all by default). */
  readonly live?: LiveResult;
  /** Every deployment and commit the live phase ran, one after the other on the same data, `live` first. */
  readonly liveRuns?: readonly LiveRun[];
  /** Peak RSS of the role=all service that served phases 3 to 5. */
  readonly servingPeakRssKb?: number;
  readonly peers: {
    readonly skipped: boolean;
    /** Distinct events each peer was given (the first of the data set, in send order). */
    readonly sample: number;
    readonly budgetS: number;
    readonly naive?: PeerResult;
    readonly emmettAppend?: PeerResult;
    readonly emmettProjection?: PeerResult;
    readonly ceiling?: PeerResult;
  };
  readonly checks: readonly Check[];
  /** Failures outside any one phase. */
  readonly errors: readonly string[];
  readonly elapsedMs: number;
}

/** One run of the sustained live phase: a commit's service in one deployment, on a fresh database. */
export interface LiveRun {
  /** The report's column: the commit and the deployment. */
  readonly label: string;
  /** `current`: this checkout's build; `baseline`: another commit's (--live-baseline). */
  readonly code: 'current' | 'baseline';
  /** Short sha (with `+changes` for a checkout that differs from it). */
  readonly commit: string;
  readonly topology: LiveTopology;
  /** Projector partitions the deployment was configured with (LEDGER_PROJECTION_PARTITIONS), if any. */
  readonly partitions?: number;
  readonly result?: LiveResult;
  readonly error?: string;
  /** Every total after the drain equals the generator's: undefined when the phase did not get that far. */
  readonly totalsExact?: boolean;
  /** The baseline's build: its time in this run (0 when an earlier run's was reused). */
  readonly build?: { readonly ref: string; readonly sha: string; readonly buildMs: number; readonly cached: boolean; readonly lastBuildMs?: number };
  /** Event fields the baseline's contract does not have, left out of the events it was sent. */
  readonly droppedFields?: readonly string[];
  /** Each process's peak RSS (kB) and CPU seconds during the live phase (boot and checks excluded), api first: a projector that stood by used little. */
  readonly processes?: readonly { readonly role: string; readonly peakRssKb?: number; readonly cpuS?: number }[];
}
