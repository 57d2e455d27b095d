/**
 * The three usage events as the SDK takes them (camelCase), and their `POST /v1/events` wire form
 * (snake_case). The wire contract is the service's `usage-batch.dto.ts`; this package does not import
 * it, so that it runs with nothing but Node.
 */

/** Where an event is placed, and how it is identified. Every event carries these. */
export interface EventPlacement {
  /** The agent session the call belongs to (1-128 characters). */
  sessionId: string;
  /** The workflow run; send it on every event of the session (a session belongs to one execution). */
  executionId?: string;
  workflowId?: string;
  phaseId?: string;
  /** When it happened; default: when the event is enqueued. A string must state its offset (`Z` or `±hh:mm`). */
  occurredAt?: Date | string | number;
  /**
   * A natural key (a provider request id, a message id): the event id is derived from it and the event's type,
   * the same in every process, so that sending the same call twice counts it once. Pass `occurredAt` from the
   * source too: a re-send must be byte-for-byte the same event, or the ledger refuses it as a conflict.
   */
  key?: string;
  /** The event id itself (`^[A-Za-z0-9._:-]{1,128}$`), used as given; wins over `key`. */
  eventId?: string;
}

/** The tier the provider says it served (from the response, not the request). */
export type ServiceTier = 'standard' | 'batch' | 'flex' | 'priority';
export type Speed = 'standard' | 'fast';

/**
 * The token classes and price modifiers of one call, as the ledger bills them (PRICING.md's semantics).
 * The provider helpers (`fromAnthropicUsage`, `fromOpenAIUsage`, `fromGeminiUsage`) return this.
 */
export interface UsageFields {
  /** Uncached input tokens only (cache reads and writes are their own classes). */
  inputTokens?: number;
  /** All output tokens, reasoning included. */
  outputTokens?: number;
  /** The part of `outputTokens` spent reasoning; at most `outputTokens`. */
  reasoningTokens?: number;
  /** All tokens written to the prompt cache, 1-hour writes included. */
  cacheCreationTokens?: number;
  /** The part of `cacheCreationTokens` written to the 1-hour cache; at most `cacheCreationTokens`. */
  cacheCreation1hTokens?: number;
  cacheReadTokens?: number;
  /** Server-side web searches the call made (billed per request). */
  webSearchRequests?: number;
  serviceTier?: ServiceTier;
  speed?: Speed;
  /** Where the provider ran the call, e.g. `us` (1-32 lowercase letters, digits, `_`, `-`); `global` is list price. */
  inferenceGeo?: string;
}

export interface TokenUsedInput extends EventPlacement, UsageFields {
  model: string;
  /** Who served the call, by the catalog's provider ids (`anthropic`, `openai`, `google`, `bedrock`, …). */
  provider?: string;
  stepName?: string;
  /** Tokens of this call attributed to each tool. */
  toolTokens?: Record<string, number>;
  /** The provider's own figure, a decimal string such as `"0.0342"`; kept for reconciliation, never billed. */
  reportedCostUsd?: string;
}

export interface ToolCalledInput extends EventPlacement {
  toolName: string;
  durationMs?: number;
  /** A decimal string; absent: priced from the tool's compute rate, else 0. */
  computeCostUsd?: string;
  status?: string;
}

export interface SessionFinalizedInput extends EventPlacement {
  status?: 'completed' | 'failed' | 'cancelled';
  durationMs?: number;
  numTurns?: number;
}

export type UsageEventType = 'TokenUsed' | 'ToolCalled' | 'SessionFinalized';

/** One event as `POST /v1/events` takes it. */
export type WireEvent = { event_id: string; type: UsageEventType; session_id: string; occurred_at: string } & Record<string, unknown>;

/** SDK field → wire field, per event type; fields not listed are not sent. */
const PLACEMENT = { sessionId: 'session_id', executionId: 'execution_id', workflowId: 'workflow_id', phaseId: 'phase_id' } as const;
const WIRE_FIELDS: Readonly<Record<UsageEventType, Readonly<Record<string, string>>>> = {
  TokenUsed: {
    ...PLACEMENT,
    model: 'model',
    provider: 'provider',
    stepName: 'step_name',
    toolTokens: 'tool_tokens',
    reportedCostUsd: 'reported_cost_usd',
    inputTokens: 'input_tokens',
    outputTokens: 'output_tokens',
    reasoningTokens: 'reasoning_tokens',
    cacheCreationTokens: 'cache_creation_tokens',
    cacheCreation1hTokens: 'cache_creation_1h_tokens',
    cacheReadTokens: 'cache_read_tokens',
    webSearchRequests: 'web_search_requests',
    serviceTier: 'service_tier',
    speed: 'speed',
    inferenceGeo: 'inference_geo',
  },
  ToolCalled: { ...PLACEMENT, toolName: 'tool_name', durationMs: 'duration_ms', computeCostUsd: 'compute_cost_usd', status: 'status' },
  SessionFinalized: { ...PLACEMENT, status: 'status', durationMs: 'duration_ms', numTurns: 'num_turns' },
};

/** The ISO-8601 form of `occurredAt`; a string is sent as given, so that the server names what is wrong with it. */
export function wireTime(occurredAt: Date | string | number | undefined, now: () => number): string {
  if (typeof occurredAt === 'string') return occurredAt;
  const ms = occurredAt === undefined ? now() : typeof occurredAt === 'number' ? occurredAt : occurredAt.getTime();
  // An invalid Date would throw in toISOString; sent as is, the ledger refuses that event alone and names the field.
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(occurredAt);
}

/**
 * The wire form of an event, given its id. Unknown fields are not sent, and `undefined`/`null` values are
 * left out, so that an optional field the caller did not set is absent on the wire (absent is the default).
 */
export function toWire(type: UsageEventType, input: EventPlacement, eventId: string, now: () => number): WireEvent {
  const wire: Record<string, unknown> = { event_id: eventId, type };
  const fields = WIRE_FIELDS[type];
  for (const [field, value] of Object.entries(input)) {
    const name = fields[field];
    if (name !== undefined && value !== undefined && value !== null) wire[name] = value;
  }
  wire.occurred_at = wireTime(input.occurredAt, now);
  return wire as WireEvent;
}
