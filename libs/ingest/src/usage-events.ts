/**
 * The usage events as stored in the log: plain data with stable wire names.
 * A stored shape is a contract: changing it means a new event type, never an edit.
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

/** One model call. `input_tokens` are uncached input only (Anthropic's convention). */
export interface TokenUsed extends UsageEventBase {
  readonly model: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_tokens: number;
  readonly cache_read_tokens: number;
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
