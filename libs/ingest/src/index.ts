export { IngestModule } from './ingest.module';
export { MAX_BATCH, MAX_FUTURE_MS, parseUsageBatch, parseUsageEvent, toIsoUtc } from './parse-usage-batch';
export { RecordUsageEvents } from './record-usage.command';
export { storeEventId } from './store-event-id';
export type { RecordUsageResult } from './record-usage.command';
export { sessionStream, USAGE_EVENT_TYPES } from './usage-events';
export type { SessionFinalized, TokenUsed, ToolCalled, UsageEvent, UsageEventType } from './usage-events';
