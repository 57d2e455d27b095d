export { normalizeRecords, NORMALIZERS } from './normalize-records';
export type { NormalizedEvent, NormalizedRecords, RejectedRecord } from './normalize-records';
export type { AttributeValue, Attributes, OtlpLogRecord, OtlpRecord, OtlpScope, OtlpSignal, OtlpSpan, OtlpSpanEvent } from './otlp-model';
