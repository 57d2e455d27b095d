import Big from 'big.js';

/** One `POST /v1/events` request body, ready to send. */
export interface IngestBatch {
  readonly workspace: string;
  /** `{"events":[...]}`, serialised once up front so that ingest measures the service, not the client. */
  readonly body: Buffer;
  readonly events: number;
  /** Indexes of events the client already sent in an earlier batch (or earlier in this one): re-sends. */
  readonly resent: readonly number[];
  /** The client retries the whole batch after its 202, as after a lost response. */
  readonly retry: boolean;
}

/** What the service must report for a workspace, computed by the generator alone. */
export interface WorkspaceTruth {
  /** Distinct events (re-sends excluded). */
  events: number;
  tokenUsed: number;
  toolCalls: number;
  finalized: number;
  sessions: number;
  executions: number;
  /** Calls with no price, and calls priced but for a class their rate set leaves unpriced (partial). */
  unpricedCalls: number;
  /** `total_tokens` over TokenUsed events, priced or not: input + output + cache creation + cache read (subsets are inside them). */
  totalTokens: number;
  /** Exact USD of TokenUsed events, partly priced ones included (their priced classes). */
  tokenCost: Big;
  /** Exact USD of ToolCalled events. */
  computeCost: Big;
}

export interface DataSet {
  readonly seed: string;
  /** Distinct events: what the log must hold after ingest. */
  readonly events: number;
  /** Events sent, re-sends included (batch retries excluded). */
  readonly sent: number;
  readonly batches: readonly IngestBatch[];
  readonly workspaces: readonly string[];
  readonly truth: ReadonlyMap<string, WorkspaceTruth>;
  /** Ids to query, per workspace. */
  readonly sessionIds: ReadonlyMap<string, readonly string[]>;
  readonly executionIds: ReadonlyMap<string, readonly string[]>;
  /** The span of `occurred_at`, for range queries. */
  readonly from: Date;
  readonly to: Date;
  readonly stats: GenerationStats;
}

export interface GenerationStats {
  readonly sessions: number;
  readonly executions: number;
  readonly lateEvents: number;
  readonly afterFinalization: number;
  readonly resent: number;
  readonly longContextCalls: number;
  readonly unpricedCalls: number;
  readonly retriedBatches: number;
  /** TokenUsed calls by the name as sent, `provider:name` when the call named its provider. */
  readonly byModel: Readonly<Record<string, number>>;
  /**
   * TokenUsed calls per 2026 price dimension: `reasoning`, `cache_creation_1h`, `web_search`, `service_tier=…`,
   * `speed=fast`, `inference_geo=…` (non-default values), `explicit defaults` and `partial` (priced but for a class).
   */
  readonly dimensions: Readonly<Record<string, number>>;
}

/** A usage event as the client sends it (the body contract of `POST /v1/events`). */
export type WireEvent = Record<string, unknown> & {
  readonly event_id: string;
  readonly type: 'TokenUsed' | 'ToolCalled' | 'SessionFinalized';
  readonly session_id: string;
  readonly occurred_at: string;
};

/** The distinct events of the data set in send order, with their workspace: what every peer ingests. */
export function* distinctEvents(data: DataSet, limit = Infinity): Generator<{ workspace: string; event: WireEvent }> {
  let n = 0;
  for (const batch of data.batches) {
    const events = (JSON.parse(batch.body.toString('utf8')) as { events: WireEvent[] }).events;
    const resent = new Set(batch.resent);
    for (let i = 0; i < events.length; i++) {
      if (resent.has(i)) continue;
      if (n++ >= limit) return;
      yield { workspace: batch.workspace, event: events[i] };
    }
  }
}

/** Every field name the data set's events carry, in first-seen order. */
export function eventFields(data: DataSet): string[] {
  const fields = new Set<string>();
  for (const batch of data.batches) {
    for (const event of (JSON.parse(batch.body.toString('utf8')) as { events: WireEvent[] }).events) for (const k of Object.keys(event)) fields.add(k);
  }
  return [...fields];
}

/**
 * The same batches with `fields` taken out of every event: the data set as an older event contract accepts it
 * (the live phase's baseline commit refuses fields it never had). Ids, order, re-sends and retries are unchanged.
 */
export function withoutFields(data: DataSet, fields: readonly string[]): DataSet {
  if (!fields.length) return data;
  const batches = data.batches.map((batch) => {
    const body = JSON.parse(batch.body.toString('utf8')) as { events: Record<string, unknown>[] };
    for (const event of body.events) for (const f of fields) delete event[f];
    return { ...batch, body: Buffer.from(JSON.stringify(body)) };
  });
  return { ...data, batches };
}
