/** The shapes of the ledger's answers the dashboard reads (from the OpenAPI document at /docs-json). */

export type Money = string;
export type MoneyMap = Record<string, Money>;

export interface ModelCost {
  model: string;
  costUsdExact: Money | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  calls: number;
  unpricedCalls: number;
}

export interface SeriesGroup {
  key: string | null;
  costUsdExact: Money | null;
  calls: number;
  toolCalls: number;
  toolComputeCostUsdExact: Money;
  unpricedCalls: number;
}

export interface RangeSummary {
  workspaceId: string;
  totalCostUsdExact: Money;
  toolComputeCostUsdExact: Money;
  totalInputTokens: number;
  totalOutputTokens: number;
  totalCacheCreationTokens: number;
  totalCacheReadTokens: number;
  totalRuns: number;
  totalCalls: number;
  totalToolCalls: number;
  unpricedCalls: number;
  pricingStatus: 'complete' | 'partial';
  byModel: ModelCost[];
}

export interface Bucket {
  start: string;
  end: string;
  costUsdExact: Money;
  calls: number;
  groups: SeriesGroup[];
}

export interface Timeseries {
  granularity: string;
  tz: string;
  groupBy: string | null;
  totalCostUsdExact: Money;
  buckets: Bucket[];
}

export interface CostSummary {
  total_cost_usd: Money;
  total_sessions: number;
  total_executions: number;
  top_models: Array<{ model: string; total_cost_usd: Money; total_tokens: number; calls: number; unpriced_calls: number }>;
  top_sessions: Array<{ session_id: string; execution_id: string | null; total_cost_usd: Money; total_tokens: number; workspace_id: string }>;
}

interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cache_creation_tokens: number;
  cache_creation_1h_tokens: number;
  cache_read_tokens: number;
  web_search_requests: number;
  total_tokens: number;
}

export interface ExecutionCost extends UsageCounts {
  execution_id: string;
  workflow_id: string | null;
  workspace_id: string;
  session_count: number;
  session_ids: string[];
  total_cost_usd: Money;
  token_cost_usd: Money;
  compute_cost_usd: Money;
  tool_calls: number;
  turns: number;
  duration_ms: number;
  cost_by_phase: MoneyMap;
  cost_by_model: MoneyMap;
  cost_by_tool: MoneyMap;
  cost_by_class: MoneyMap;
  is_complete: boolean;
  started_at: string;
  completed_at: string | null;
  pricing_status: 'complete' | 'partial';
  unpriced_models: string[];
  pricing_version: number;
  reported_cost_usd: Money | null;
  cost_drift_usd: Money | null;
}

export interface SessionCost extends UsageCounts {
  session_id: string;
  execution_id: string | null;
  workflow_id: string | null;
  phase_id: string | null;
  workspace_id: string;
  total_cost_usd: Money;
  token_cost_usd: Money;
  compute_cost_usd: Money;
  tool_calls: number;
  turns: number;
  duration_ms: number;
  cost_by_model: MoneyMap;
  cost_by_tool: MoneyMap;
  cost_by_class: MoneyMap;
  is_finalized: boolean;
  started_at: string;
  completed_at: string | null;
  pricing_status: 'complete' | 'partial';
  unpriced_models: string[];
  pricing_version: number;
  reported_cost_usd: Money | null;
  cost_drift_usd: Money | null;
}

export interface RunCall {
  eventId: string;
  sessionId: string;
  stepName: string | null;
  model: string;
  provider: string | null;
  pricedModel: string | null;
  priceRef: string | null;
  costUsdExact: Money | null;
  createdAt: string;
  pricingStatus: 'priced' | 'partial' | 'unpriced';
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheCreationTokens: number;
  cacheCreation1hTokens: number;
  cacheReadTokens: number;
  webSearchRequests: number;
  serviceTier?: string;
  speed?: string;
  inferenceGeo?: string;
  /** API-NEEDS.md §2: present once the session-calls route lands. */
  reportedCostUsdExact?: Money | null;
  costDriftUsdExact?: Money | null;
}

export interface RunCost {
  workflowRunId: string;
  calls: RunCall[];
  nextCallsCursor: string | null;
}

export interface SessionCalls {
  sessionId: string;
  calls: RunCall[];
  nextCallsCursor: string | null;
}

export interface Rates {
  input?: Money;
  output?: Money;
  reasoning?: Money;
  cache_creation?: Money;
  cache_creation_1h?: Money;
  cache_read?: Money;
  web_search?: Money;
}

export interface PriceRow {
  model: string;
  provider?: string | null;
  rates: Rates;
  tiers?: Array<{ above_prompt_tokens: number; rates: Rates }>;
  modifiers?: Record<string, Record<string, string>>;
  aliases?: string[];
  effective_from: string;
  effective_to: string | null;
}

export interface CatalogChange {
  version: number;
  type: string;
  data: Record<string, unknown>;
  recorded_at: string;
}

export interface Catalog {
  version: number;
  models: PriceRow[];
}

export interface ModelPrices {
  version: number;
  model: string;
  priced_model: string;
  rows: PriceRow[];
  changes: CatalogChange[];
}

export interface WorkspaceOverride {
  workspace_id: string;
  model: string;
  effective_from: string;
  effective_to: string | null;
  rates?: Rates;
  multiplier?: string;
}

export interface WorkspacePrices {
  workspace_id: string;
  overrides: WorkspaceOverride[];
  changes: CatalogChange[];
}

export interface PreviewLine {
  workspace_id: string;
  model: string;
  events: number;
  before_usd: Money;
  after_usd: Money;
  delta_usd: Money;
  unpriced_before: number;
  unpriced_after: number;
}

export interface Preview {
  catalog_version: number;
  affected: { events: number; from: string | null; to: string | null };
  totals: { before_usd: Money; after_usd: Money; delta_usd: Money };
  lines: PreviewLine[];
}

export interface PricingChange {
  catalog_version: number;
  affected: { events: number; from: string | null; to: string | null };
  rebuild: { state: 'queued' | 'not_needed' | 'disabled'; id?: number };
}

export interface Rebuild {
  id: number;
  reason: string;
  source: string;
  state: 'pending' | 'running' | 'done' | 'failed' | 'merged';
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  catalog_version: number | null;
  done: number;
  total: number | null;
  rate_per_s: number | null;
  eta_s: number | null;
  merged_into: number | null;
  error: string | null;
}

export interface ProjectionStatus {
  name: string;
  state: 'live' | 'catching-up' | 'rebuilding';
  position: string | null;
  events_applied: number;
  lag_events: number;
  lag_events_capped: boolean;
  lag_seconds: number;
  pricing_version: number;
  catalog_version: number;
  pending_rebuilds: number;
  rebuild: Rebuild | null;
  dead_letters: number;
  stall: { position: string; error: string; sqlstate: string | null; since: string; attempts: number } | null;
}

export interface DeadLetter {
  id: number;
  position: string;
  event_type: string;
  workspace_id: string | null;
  event_id: string | null;
  error: string;
  sqlstate: string | null;
  failures: number;
  first_failed_at: string;
  last_failed_at: string;
  resolved_at: string | null;
}

export interface ApiKey {
  id: string;
  workspace_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface IssuedKey extends Omit<ApiKey, 'last_used_at' | 'revoked_at'> {
  key: string;
  previous_key_valid_until?: string;
}

export interface UnpricedModel {
  model: string;
  provider: string | null;
  resolvedModel?: string | null;
  resolved_model?: string | null;
  reason: string;
  missingRates?: string[];
  missing_rates?: string[];
  calls: number;
  firstSeen?: string;
  first_seen?: string;
  lastSeen?: string;
  last_seen?: string;
  workspaces?: Array<{ workspace_id: string; calls: number }>;
  hint: string;
}

export interface ReconciliationFigures {
  key?: string | null;
  calls: number;
  reconciledCalls: number;
  computedCostUsdExact: Money | null;
  reportedCostUsdExact: Money | null;
  driftUsdExact: Money | null;
  driftRatio: string | null;
  unpricedReportedCalls: number;
  unpricedReportedCostUsdExact: Money | null;
}

export interface Reconciliation {
  workspaceId: string;
  groupBy: string;
  total: ReconciliationFigures;
  groups?: ReconciliationFigures[];
  worstCalls: Array<{
    eventId: string;
    sessionId: string;
    workflowRunId: string | null;
    model: string;
    occurredAt: string;
    computedCostUsdExact: Money;
    reportedCostUsdExact: Money;
    driftUsdExact: Money;
    driftRatio: string | null;
  }>;
}
