import type { ModifierField, UsageField, UsageQuantities } from '@ledger/pricing';

/**
 * The usage events as stored in the log: plain data with stable wire names.
 * A stored shape is a contract: changing it means a new event type, never an edit. Adding an optional
 * field that is stored only when it differs from its default keeps every recorded event's meaning and
 * its idempotent re-send (issue 14's fields of `TokenUsed`).
 * Every event carries its workspace (taken from the API key, never the body) and
 * its client-chosen `event_id`, the idempotency key within the workspace.
 */
export const USAGE_EVENT_TYPES = ['TokenUsed', 'ToolCalled', 'SessionFinalized'] as const;
export type UsageEventType = (typeof USAGE_EVENT_TYPES)[number];

interface UsageEventBase {
  readonly workspace_id: string;
  readonly event_id: string;
  readonly session_id: string;
  readonly execution_id?: string;
  readonly workflow_id?: string;
  readonly phase_id?: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly occurred_at: string;
}

/**
 * The quantities every `TokenUsed` has stored since its first version, always, 0 when not sent. They are
 * listed rather than derived: they are a stored contract, and an event recorded before a later class existed
 * must still compare equal when re-sent (classes added since are stored only when sent and not 0).
 */
export const ALWAYS_STORED_FIELDS = ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens'] as const satisfies readonly UsageField[];
export type AlwaysStoredField = (typeof ALWAYS_STORED_FIELDS)[number];

/** How the provider served the call; absent: the modifier's default (`standard`, `global`). */
export type ModifierValues = { readonly [K in ModifierField]?: string };

/**
 * One model call. `input_tokens` are uncached input only (Anthropic's convention). Each usage class of
 * `@ledger/pricing` is a field; a subset (`partOf`) is at most its parent. Absent optional fields mean the
 * default: ingest never stores a 0 count of a later class, nor a default modifier.
 */
export type TokenUsed = TokenUsedFields & Omit<UsageQuantities, AlwaysStoredField> & { readonly [K in AlwaysStoredField]: number } & ModifierValues;

interface TokenUsedFields extends UsageEventBase {
  readonly model: string;
  /** Who served the call, as the client named it: the model name is resolved within it (ADR 0022). */
  readonly provider?: string;
  readonly step_name?: string;
  /** Tokens of this call attributed to each tool (tool-use plus tool-result tokens). */
  readonly tool_tokens?: Readonly<Record<string, number>>;
  /** The runtime's own figure, kept for reconciliation; never replaces the computed cost. */
  readonly reported_cost_usd?: string;
}

export interface ToolCalled extends UsageEventBase {
  readonly tool_name: string;
  readonly duration_ms?: number;
  /** Decimal string, USD, as the runtime reported it; absent means: price it from the tool's compute rate. */
  readonly compute_cost_usd?: string;
  readonly status?: string;
}

export interface SessionFinalized extends UsageEventBase {
  readonly status?: 'completed' | 'failed' | 'cancelled';
  readonly duration_ms?: number;
  readonly num_turns?: number;
}

export type UsageEvent =
  | { readonly type: 'TokenUsed'; readonly data: TokenUsed }
  | { readonly type: 'ToolCalled'; readonly data: ToolCalled }
  | { readonly type: 'SessionFinalized'; readonly data: SessionFinalized };

/** All events of one session live in one stream. */
export const sessionStream = (workspaceId: string, sessionId: string): string => `session-${workspaceId}/${sessionId}`;
