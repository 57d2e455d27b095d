/**
 * The one internal form of an OTLP request, whichever encoding it came in (ADR 0023). The receiver decodes
 * OTLP/protobuf and OTLP/JSON into it; normalizers read only this. The encodings differ in exactly the places
 * this form settles:
 * - trace and span ids: bytes in protobuf, hex in JSON → lower-case hex, '' when absent;
 * - 64-bit integers (timestamps, `intValue`): Long in protobuf, string or number in JSON → timestamps as
 *   decimal strings of nanoseconds ('0' when absent), attribute integers as numbers when they are safe
 *   integers and as decimal strings beyond;
 * - `AnyValue`: a one-of wrapper in both → the plain value (kvlist as an object, array as an array, bytes as hex).
 */
export type AttributeValue = string | number | boolean | null | readonly AttributeValue[] | { readonly [key: string]: AttributeValue };

export type Attributes = { readonly [key: string]: AttributeValue };

export interface OtlpScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
}

export interface OtlpLogRecord {
  /** Nanoseconds since the epoch, decimal; '0' when unknown. */
  readonly timeUnixNano: string;
  readonly observedTimeUnixNano: string;
  readonly severityText: string;
  /** OTLP 1.5+'s `event_name`; '' when absent (older emitters put the name in `event.name` or the body). */
  readonly eventName: string;
  readonly body: AttributeValue;
  readonly attributes: Attributes;
  readonly traceId: string;
  readonly spanId: string;
}

export interface OtlpSpanEvent {
  readonly name: string;
  readonly timeUnixNano: string;
  readonly attributes: Attributes;
}

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** SpanKind as its number (0 unspecified … 5 consumer). */
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Attributes;
  readonly events: readonly OtlpSpanEvent[];
  /** StatusCode as its number (0 unset, 1 ok, 2 error). */
  readonly status: { readonly code: number; readonly message: string };
}

/** One log record or span with the resource and scope it was sent under: what a normalizer reads. */
export type OtlpRecord =
  | { readonly signal: 'logs'; readonly resource: Attributes; readonly scope: OtlpScope; readonly log: OtlpLogRecord }
  | { readonly signal: 'traces'; readonly resource: Attributes; readonly scope: OtlpScope; readonly span: OtlpSpan };

/** The signals the receiver takes; metrics are acknowledged and dropped (ADR 0023). */
export type OtlpSignal = 'logs' | 'traces' | 'metrics';
