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
  /** The sustained live phase (issue 17), on a database of its own with a data set of its own. */
  readonly live?: LiveResult;
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
