export { CostLedger, CostLedgerError, LedgerSession, MAX_BATCH_SIZE } from './cost-ledger.client';
export type { CostLedgerOptions, CostLedgerStats, DropReason, SessionPlacement } from './cost-ledger.client';
export type { ServerError } from './batch-outcome';
export { EVENT_ID_NAMESPACE, eventIdFromKey } from './event-id';
export { backoffDelay, parseRetryAfter } from './retry-policy';
export type { RetryPolicy } from './retry-policy';
export { fromAnthropicUsage, fromGeminiUsage, fromOpenAIUsage } from './provider-usage';
export type { AnthropicUsage, GeminiUsageMetadata, OpenAIChatUsage, OpenAIResponsesUsage, OpenAIServed } from './provider-usage';
export type {
  EventPlacement,
  ServiceTier,
  SessionFinalizedInput,
  Speed,
  TokenUsedInput,
  ToolCalledInput,
  UsageEventType,
  UsageFields,
  WireEvent,
} from './usage-events';
