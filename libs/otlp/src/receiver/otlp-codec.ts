import protobuf from 'protobufjs';
import { ValidationError } from '@ledger/http';
import descriptor from '../../proto/otlp.descriptor.json';
import { Attributes, AttributeValue, OtlpRecord, OtlpScope, OtlpSignal, OtlpSpanEvent } from '../otlp-model';

/**
 * OTLP's two encodings of one request (ADR 0023): protobuf is decoded by protobufjs, JSON is walked through the
 * same message types into a tree of the same shape, and either becomes the same `OtlpRecord`s. The types come
 * from the vendored opentelemetry-proto v1.9.0 (libs/otlp/proto, its descriptor checked against the .proto files
 * by a unit spec).
 */
export const OTLP_ROOT = protobuf.Root.fromJSON(descriptor as protobuf.INamespace).resolveAll();

const PACKAGE: Record<OtlpSignal, string> = {
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogs',
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTrace',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetrics',
};
const REQUEST = Object.fromEntries(
  Object.entries(PACKAGE).map(([signal, name]) => [signal, OTLP_ROOT.lookupType(`${name}ServiceRequest`)]),
) as Record<OtlpSignal, protobuf.Type>;
const RESPONSE = Object.fromEntries(
  Object.entries(PACKAGE).map(([signal, name]) => [signal, OTLP_ROOT.lookupType(`${name}ServiceResponse`)]),
) as Record<OtlpSignal, protobuf.Type>;

/** The request message of a signal, e.g. `ExportLogsServiceRequest`. */
export const requestType = (signal: OtlpSignal): protobuf.Type => REQUEST[signal];
export const responseType = (signal: OtlpSignal): protobuf.Type => RESPONSE[signal];

export type OtlpEncoding = 'json' | 'protobuf';

/**
 * A decoded request, read by `recordsOf`: protobufjs's message (64-bit integers as Longs, unset fields from the
 * prototype's defaults) or the JSON walk's plain tree (64-bit integers as decimal strings, only fields sent).
 */
type Plain = { readonly [field: string]: unknown };

const bad = (field: string, message: string) => new ValidationError([{ field, message, location: 'body' }]);

/** The message as decoded: `recordsOf` reads it in place (a `toObject` copy cost as much as the decoding). */
function decodeProtobuf(signal: OtlpSignal, body: Buffer): Plain {
  const type = REQUEST[signal];
  try {
    return type.decode(body) as unknown as Plain;
  } catch (err) {
    throw bad('body', `not a protobuf ${type.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** OTLP/JSON writes these bytes fields in hex, not base64 as proto3's JSON mapping would (OTLP specification). */
const HEX_BYTES = new Set(['traceId', 'spanId', 'parentSpanId']);
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const INT = /^-?\d+$/;
const LIMITS_64: Record<string, readonly [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const LIMITS_32: Record<string, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};
const snakeToCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** The field a JSON key names: its lowerCamelCase JSON name, or its proto name. Own properties only (`constructor` is no field). */
const fieldNamed = (type: protobuf.Type, key: string): protobuf.Field | undefined =>
  Object.hasOwn(type.fields, key) ? type.fields[key] : Object.hasOwn(type.fields, snakeToCamel(key)) ? type.fields[snakeToCamel(key)] : undefined;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One JSON value of a field, as `recordsOf` reads it: 64-bit integers as decimal strings, bytes as Buffers, enums as numbers. */
function jsonValue(field: protobuf.Field, value: unknown, at: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return jsonMessage(resolved, value, at);
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    // OTLP/JSON sends enums as numbers; a name is read as proto3's JSON mapping allows, as the Collector does.
    if (typeof value === 'string' && Object.hasOwn(resolved.values, value)) return resolved.values[value];
    throw bad(at, `must be an integer (enum ${resolved.name})`);
  }
  const { type } = field;
  if (type === 'string') {
    if (typeof value !== 'string') throw bad(at, 'must be a string');
    return value;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw bad(at, 'must be true or false');
    return value;
  }
  if (type in LIMITS_64) {
    const [min, max] = LIMITS_64[type];
    const n = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : typeof value === 'string' && INT.test(value) ? BigInt(value) : undefined;
    if (n === undefined || n < min || n > max) throw bad(at, `must be a ${type} as a decimal string (or an integer number)`);
    return n.toString();
  }
  if (type in LIMITS_32) {
    const [min, max] = LIMITS_32[type];
    const n = typeof value === 'number' ? value : typeof value === 'string' && INT.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw bad(at, `must be a ${type}`);
    return n;
  }
  if (type === 'double' || type === 'float') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (Number.isNaN(n) && value !== 'NaN') throw bad(at, 'must be a number');
    return n;
  }
  if (type === 'bytes') {
    if (typeof value !== 'string') throw bad(at, 'must be a string');
    if (HEX_BYTES.has(field.name)) {
      if (!HEX.test(value)) throw bad(at, 'must be hex (OTLP/JSON writes trace and span ids in hex)');
      return Buffer.from(value, 'hex');
    }
    if (!BASE64.test(value)) throw bad(at, 'must be base64');
    return Buffer.from(value, 'base64');
  }
  throw bad(at, `has a type this receiver does not read (${type})`);
}

/**
 * A JSON object read as message `type`: fields by their lowerCamelCase JSON names (the proto names too, as the
 * Collector reads them), unknown fields ignored as OTLP/JSON requires, null as absent, every known field's
 * value checked against its type and named by its path when wrong.
 */
function jsonMessage(type: protobuf.Type, value: unknown, at: string): Plain {
  if (!isObject(value)) throw bad(at, `must be an object (${type.name})`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = fieldNamed(type, key);
    const item = value[key];
    if (!field || item === null || item === undefined) continue;
    field.resolve();
    const path = at ? `${at}.${field.name}` : field.name;
    if (field.repeated) {
      if (!Array.isArray(item)) throw bad(path, 'must be an array');
      out[field.name] = item.map((element, i) => jsonValue(field, element, `${path}[${i}]`));
    } else {
      out[field.name] = jsonValue(field, item, path);
    }
  }
  return out;
}

function decodeJson(signal: OtlpSignal, body: Buffer): Plain {
  const type = REQUEST[signal];
  let parsed: unknown;
  try {
    const text = body.toString('utf8');
    // A byte-order mark is no JSON, but some writers put one first.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw bad('body', `malformed JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(parsed)) throw bad('body', `must be a JSON object (OTLP/JSON ${type.name})`);
  const keys = Object.keys(parsed);
  // Unknown fields are ignored, but a body with nothing but unknown fields is not OTLP at all (say, a
  // POST /v1/events batch sent here): dropping it silently would hide the mistake.
  if (keys.length && !keys.some((key) => fieldNamed(type, key))) {
    throw bad('body', `not an OTLP/JSON ${type.name}: expected ${Object.keys(type.fields).join(', ')}, got ${keys.slice(0, 5).join(', ')}`);
  }
  try {
    return jsonMessage(type, parsed, '');
  } catch (err) {
    // The walk recurses as the body nests; a body nested past the stack is the body's fault.
    if (err instanceof RangeError) throw bad('body', 'nested too deeply');
    throw err;
  }
}

const hex = (bytes: unknown): string => (Buffer.isBuffer(bytes) || bytes instanceof Uint8Array ? Buffer.from(bytes).toString('hex') : '');

interface LongBits {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}
const isLong = (value: unknown): value is LongBits => typeof value === 'object' && value !== null && typeof (value as LongBits).high === 'number';

/** A 64-bit integer in decimal: a JSON walk's string as is, a protobuf Long through BigInt (ten times Long#toString's speed). */
function decimal(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (!isLong(value)) return undefined;
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return (value.unsigned ? bits : BigInt.asIntN(64, bits)).toString();
}
const nanos = (value: unknown): string => decimal(value) ?? '0';
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const list = (value: unknown): readonly Plain[] => (Array.isArray(value) ? (value as Plain[]) : []);
const obj = (value: unknown): Plain => (isObject(value) ? value : {});

/** An int64 as a number when exact, else its decimal string (otlp-model). */
function int64(value: unknown): number | string {
  const text = decimal(value) ?? '0';
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** How deep attribute values may nest arrays and kvlists: far beyond any real attribute, short of the stack's end. */
const MAX_VALUE_DEPTH = 32;

/** Own properties: a decoded message has every field's default on its prototype, and only the one set as its own. */
const isSet = (v: Plain, field: string): boolean => Object.hasOwn(v, field) && v[field] !== null && v[field] !== undefined;

/** `AnyValue`'s one-of, unwrapped; nothing set is null. Most values are strings, then integers: tried in that order. */
function anyValue(value: unknown, depth = 0): AttributeValue {
  if (depth > MAX_VALUE_DEPTH) throw bad('body', `an attribute value nests arrays or kvlists more than ${MAX_VALUE_DEPTH} deep`);
  const v = obj(value);
  if (isSet(v, 'stringValue')) return str(v.stringValue);
  if (isSet(v, 'intValue')) return int64(v.intValue);
  if (isSet(v, 'boolValue')) return v.boolValue === true;
  if (isSet(v, 'doubleValue')) return num(v.doubleValue);
  if (isSet(v, 'arrayValue')) return list(obj(v.arrayValue).values).map((item) => anyValue(item, depth + 1));
  if (isSet(v, 'kvlistValue')) return attributes(obj(v.kvlistValue).values, depth + 1);
  if (isSet(v, 'bytesValue')) return hex(v.bytesValue);
  return null;
}

/** KeyValue pairs as an object, the last of a repeated key winning; own properties even for a key such as `__proto__`. */
function attributes(pairs: unknown, depth = 0): Attributes {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list(pairs)) {
    const key = str(kv.key);
    const value = anyValue(kv.value, depth);
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function scopeOf(value: unknown): OtlpScope {
  const s = obj(value);
  return { name: str(s.name), version: str(s.version), attributes: attributes(s.attributes) };
}

function recordsOf(signal: OtlpSignal, request: Plain): OtlpRecord[] {
  const records: OtlpRecord[] = [];
  if (signal === 'logs') {
    for (const rl of list(request.resourceLogs)) {
      const resource = attributes(obj(rl.resource).attributes);
      for (const sl of list(rl.scopeLogs)) {
        const scope = scopeOf(sl.scope);
        for (const l of list(sl.logRecords)) {
          records.push({
            signal,
            resource,
            scope,
            log: {
              timeUnixNano: nanos(l.timeUnixNano),
              observedTimeUnixNano: nanos(l.observedTimeUnixNano),
              severityText: str(l.severityText),
              eventName: str(l.eventName),
              body: anyValue(l.body),
              attributes: attributes(l.attributes),
              traceId: hex(l.traceId),
              spanId: hex(l.spanId),
            },
          });
        }
      }
    }
  } else if (signal === 'traces') {
    for (const rs of list(request.resourceSpans)) {
      const resource = attributes(obj(rs.resource).attributes);
      for (const ss of list(rs.scopeSpans)) {
        const scope = scopeOf(ss.scope);
        for (const s of list(ss.spans)) {
          const status = obj(s.status);
          const events: OtlpSpanEvent[] = list(s.events).map((e) => ({ name: str(e.name), timeUnixNano: nanos(e.timeUnixNano), attributes: attributes(e.attributes) }));
          records.push({
            signal,
            resource,
            scope,
            span: {
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              name: str(s.name),
              kind: num(s.kind),
              startTimeUnixNano: nanos(s.startTimeUnixNano),
              endTimeUnixNano: nanos(s.endTimeUnixNano),
              attributes: attributes(s.attributes),
              events,
              status: { code: num(status.code), message: str(status.message) },
            },
          });
        }
      }
    }
  }
  return records;
}

/**
 * The records of an OTLP request body, in either encoding. Metrics decode (a bad body is still refused) into no
 * records: they are acknowledged and dropped (ADR 0023). Throws ValidationError naming what is wrong.
 */
export function decodeOtlp(signal: OtlpSignal, encoding: OtlpEncoding, body: Buffer): OtlpRecord[] {
  const request = encoding === 'protobuf' ? decodeProtobuf(signal, body) : decodeJson(signal, body);
  return recordsOf(signal, request);
}

/** What the receiver rejected of a request, for `partialSuccess`. */
export interface ExportOutcome {
  readonly rejected: number;
  readonly errorMessage: string;
}

const REJECTED_FIELD: Record<OtlpSignal, string> = { logs: 'rejectedLogRecords', traces: 'rejectedSpans', metrics: 'rejectedDataPoints' };

/**
 * `Export<Signal>ServiceResponse` in proto3's JSON mapping (an int64 is a decimal string): `partialSuccess` only
 * when records were rejected, as OTLP/HTTP asks.
 */
export function exportResponseJson(signal: OtlpSignal, outcome: ExportOutcome): Record<string, unknown> {
  if (!outcome.rejected) return {};
  return { partialSuccess: { [REJECTED_FIELD[signal]]: String(outcome.rejected), errorMessage: outcome.errorMessage } };
}

/** The same response in protobuf. */
export function exportResponseProtobuf(signal: OtlpSignal, outcome: ExportOutcome): Buffer {
  const type = RESPONSE[signal];
  const message = outcome.rejected
    ? type.fromObject({ partialSuccess: { [REJECTED_FIELD[signal]]: outcome.rejected, errorMessage: outcome.errorMessage } })
    : type.create({});
  return Buffer.from(type.encode(message).finish());
}
