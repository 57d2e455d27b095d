export { normalizeRecords, NORMALIZERS } from './normalize-records';
export type { NormalizedEvent, NormalizedRecords, RejectedRecord } from './normalize-records';
export type { AttributeValue, Attributes, OtlpLogRecord, OtlpRecord, OtlpScope, OtlpSignal, OtlpSpan, OtlpSpanEvent } from './otlp-model';
export { OtlpModule } from './otlp.module';
export { decodeOtlp, exportResponseJson, exportResponseProtobuf, OTLP_ROOT, requestType, responseType } from './receiver/otlp-codec';
export type { ExportOutcome, OtlpEncoding } from './receiver/otlp-codec';
export { ingestRecords } from './receiver/ingest-records';
export type { IngestOutcome, IngestRecordsDeps } from './receiver/ingest-records';
