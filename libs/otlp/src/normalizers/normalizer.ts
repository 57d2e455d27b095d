import Big from 'big.js';
import { toIsoUtc } from '@ledger/ingest';
import { AttributeValue, Attributes, OtlpRecord } from '../otlp-model';

/**
 * A usage event in `POST /v1/events` wire form, without its `event_id`: the receiver gives each a
 * deterministic id and validates it through ingest's own parser, so OTLP accepts exactly what the JSON API
 * accepts (ADR 0023). Field names are TokenUsedBody's, ToolCalledBody's and SessionFinalizedBody's.
 */
export interface UsageFields {
  readonly type: 'TokenUsed' | 'ToolCalled' | 'SessionFinalized';
  readonly session_id: string;
  readonly occurred_at: string;
  readonly [field: string]: unknown;
}

/**
 * What one source makes of its records. `claims` looks at resource, scope and record attributes only, cheaply;
 * the first normalizer that claims a record owns it (NORMALIZERS' order), and a claimed record that carries
 * no usage (a prompt log, a span of an operation without tokens) normalizes to no events.
 */
export interface Normalizer {
  /** Short and stable: it is part of every event id this normalizer's records get. */
  readonly source: string;
  claims(record: OtlpRecord): boolean;
  /** Throws NormalizeError when the record is this source's usage but cannot be read. */
  normalize(record: OtlpRecord): readonly UsageFields[];
}

/** A record its normalizer cannot read: the receiver rejects the record (OTLP partial success), naming this. */
export class NormalizeError extends Error {
  constructor(
    readonly attribute: string,
    message: string,
  ) {
    super(`${attribute}: ${message}`);
  }
}

/** The record's own attributes (a log record's or a span's). */
export const recordAttributes = (record: OtlpRecord): Attributes => (record.signal === 'logs' ? record.log.attributes : record.span.attributes);

/** An attribute of the record, else of its resource. */
export function attribute(record: OtlpRecord, key: string): AttributeValue | undefined {
  const own = recordAttributes(record)[key];
  return own !== undefined && own !== null ? own : (record.resource[key] ?? undefined);
}

/** A non-empty string attribute (record, then resource), or undefined. Numbers are given as their text. */
export function text(record: OtlpRecord, key: string): string | undefined {
  const value = attribute(record, key);
  if (typeof value === 'string') return value.length ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The number a non-empty string of ASCII digits writes, else NaN. Up to 15 digits (exact in a double) digit by
 * digit: Number() on a string costs as much as the rest of reading a count.
 */
function digitsValue(text: string): number {
  if (text.length > 15) return /^\d+$/.test(text) ? Number(text) : NaN;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * A token or request count: an integer attribute, or its decimal text (several runtimes send every attribute
 * as a string). Absent: undefined. Anything else is the record's fault and names the attribute.
 */
export function count(record: OtlpRecord, key: string): number | undefined {
  const value = attribute(record, key);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? digitsValue(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new NormalizeError(key, `must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

const CANONICAL_DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

/**
 * A USD amount as a canonical decimal string. A double attribute is read from its shortest round-trip text
 * (`String(0.0123)` is "0.0123", the literal the runtime computed), never through float arithmetic.
 */
export function usd(record: OtlpRecord, key: string): string | undefined {
  const value = attribute(record, key);
  if (value === undefined || value === null || value === '') return undefined;
  if ((typeof value !== 'number' && typeof value !== 'string') || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new NormalizeError(key, `must be a number, got ${JSON.stringify(value)}`);
  }
  const digits = String(value);
  // Already as big.js would write it (no exponent, sign, leading or trailing zeros): most amounts, without a Big.
  if (CANONICAL_DECIMAL.test(digits)) return digits;
  try {
    const amount = new Big(digits);
    if (amount.lt(0)) throw new Error('negative');
    return amount.toFixed();
  } catch {
    throw new NormalizeError(key, `must be a non-negative amount, got ${JSON.stringify(value)}`);
  }
}

/** Decimal digits, not all zeros. */
const NONZERO_DIGITS = /^0*[1-9]\d*$/;
/** 9999-12-31T23:59:59.999Z: up to here an instant is written with a plain four-digit year. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/** ISO-8601 UTC with milliseconds of a nanosecond timestamp; undefined for '0' (unknown). */
export function isoFromNanos(nanos: string): string | undefined {
  if (!NONZERO_DIGITS.test(nanos)) return undefined;
  // Whole milliseconds by dropping six digits, without a BigInt: exact while they fit a double, as Date's range does.
  const ms = nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
  if (ms <= LAST_FOUR_DIGIT_YEAR_MS) return toIsoUtc(ms);
  const when = new Date(ms);
  // Beyond what Date holds: no time at all, which the receiver reports for the record.
  return Number.isNaN(when.getTime()) ? undefined : when.toISOString();
}

/** When the record happened: a log's time (else when it was observed), a span's end (when its usage was known). */
export function occurredAt(record: OtlpRecord): string | undefined {
  if (record.signal === 'logs') return isoFromNanos(record.log.timeUnixNano) ?? isoFromNanos(record.log.observedTimeUnixNano);
  return isoFromNanos(record.span.endTimeUnixNano) ?? isoFromNanos(record.span.startTimeUnixNano);
}

/** The event name of a log record: OTLP's `event_name`, else the `event.name` attribute, else a string body. */
export function logEventName(record: OtlpRecord): string | undefined {
  if (record.signal !== 'logs') return undefined;
  if (record.log.eventName) return record.log.eventName;
  const named = record.log.attributes['event.name'];
  if (typeof named === 'string' && named) return named;
  return typeof record.log.body === 'string' && record.log.body ? record.log.body : undefined;
}
