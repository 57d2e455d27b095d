import { hash } from 'node:crypto';
import { Attributes, AttributeValue, OtlpRecord } from './otlp-model';
import { claudeCode } from './normalizers/claude-code.normalizer';
import { codexCli } from './normalizers/codex-cli.normalizer';
import { geminiCli } from './normalizers/gemini-cli.normalizer';
import { genAi } from './normalizers/gen-ai.normalizer';
import { NormalizeError, Normalizer, text, UsageFields } from './normalizers/normalizer';
import { vercelAi } from './normalizers/vercel-ai.normalizer';

/**
 * Who reads a record, first claim wins: the runtimes by their own event names and scopes, then the Vercel AI
 * SDK's `ai.*` spans, then the GenAI semantic conventions, which take any other record that reports
 * `gen_ai.usage.*` (ADR 0023).
 */
export const NORMALIZERS: readonly Normalizer[] = [claudeCode, codexCli, geminiCli, vercelAi, genAi];

/** A usage event in wire form with its deterministic id, and the record it came from. */
export interface NormalizedEvent {
  readonly record: number;
  readonly source: string;
  readonly event: UsageFields & { readonly event_id: string };
}

export interface RejectedRecord {
  readonly record: number;
  readonly source: string;
  readonly message: string;
}

export interface NormalizedRecords {
  readonly events: readonly NormalizedEvent[];
  readonly rejected: readonly RejectedRecord[];
  /** Records no normalizer claimed: telemetry that is not usage, acknowledged and dropped. */
  readonly ignored: number;
}

/**
 * A usage event with its workflow placement, `{ ...placement, ...event, event_id }` key order and all: the
 * attributes that place a session in a workflow run, record over resource (so `OTEL_RESOURCE_ATTRIBUTES` sets them
 * per process). Built by assignment: spreading one object into another that already has properties takes V8's
 * generic slow path, which was a fifth of normalizeRecords' time.
 */
function placedEvent(record: OtlpRecord, event: UsageFields, event_id: string): UsageFields & { readonly event_id: string } {
  const out: Record<string, unknown> = {};
  const execution = text(record, 'ledger.execution_id');
  if (execution !== undefined) out.execution_id = execution;
  const workflow = text(record, 'ledger.workflow_id') ?? text(record, 'gen_ai.workflow.name');
  if (workflow !== undefined) out.workflow_id = workflow;
  const phase = text(record, 'ledger.phase_id') ?? text(record, 'gen_ai.agent.name');
  if (phase !== undefined) out.phase_id = phase;
  for (const key in event) out[key] = event[key];
  out.event_id = event_id;
  return out as UsageFields & { readonly event_id: string };
}

/**
 * The sorted keys of the last object `canonical` wrote, with each key's JSON text and separator: the records of a
 * batch mostly share one attribute layout, so they are sorted and quoted once per layout rather than per record.
 */
let layout: readonly string[] = [];
let layoutSorted: readonly string[] = [];
let layoutPrefixes: readonly string[] = [];

function sortedKeysOf(object: Attributes): void {
  const keys = Object.keys(object);
  if (keys.length === layout.length) {
    let same = true;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== layout[i]) {
        same = false;
        break;
      }
    }
    if (same) return;
  }
  layout = keys;
  layoutSorted = [...keys].sort();
  layoutPrefixes = layoutSorted.map((k, i) => `${i ? ',' : '{'}${JSON.stringify(k)}:`);
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a primitive attribute value, without its call for the plain strings and finite numbers most are. */
function primitiveJson(value: string | number | boolean): string {
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return value ? 'true' : 'false';
}

/** JSON with object keys sorted: the same attributes hash the same in either encoding and any order. */
function canonical(value: AttributeValue | Attributes | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return primitiveJson(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonical(value[i] as AttributeValue);
    return `${out}]`;
  }
  const object = value as Attributes;
  sortedKeysOf(object);
  // Taken before recursing: a nested object replaces the cached layout.
  const keys = layoutSorted;
  const prefixes = layoutPrefixes;
  if (!keys.length) return '{}';
  let out = '';
  for (let i = 0; i < keys.length; i++) out += prefixes[i] + canonical(object[keys[i]]);
  return `${out}}`;
}

/**
 * What makes a record the same record when it is sent again: a span's trace and span ids (W3C-unique), a log
 * record's time, name, body and attributes (not its resource, which a collector on the way may enrich, nor its
 * observed time, which a collector may stamp anew).
 */
function recordKey(record: OtlpRecord): string {
  if (record.signal === 'traces') return `span/${record.span.traceId}/${record.span.spanId}`;
  const { timeUnixNano, eventName, body, attributes } = record.log;
  return `log/${timeUnixNano}/${eventName}/${canonical(body)}/${canonical(attributes)}`;
}

/** `<source>:<32 hex>`: a pure function of the record, so an exporter's retry is a duplicate, never a second count. */
function eventIdOf(source: string, key: string, ordinal: number, type: string): string {
  const digest = hash('sha256', `${source}\u0000${key}\u0000${type}\u0000${ordinal}`, 'hex');
  return `${source}:${digest.slice(0, 32)}`;
}

/** The first normalizer that claims the record (NORMALIZERS' order), without a closure per record. */
function claimant(record: OtlpRecord): Normalizer | undefined {
  for (let i = 0; i < NORMALIZERS.length; i++) if (NORMALIZERS[i].claims(record)) return NORMALIZERS[i];
  return undefined;
}

/** Each record through the normalizer that claims it; what cannot be read is rejected, record by record. */
export function normalizeRecords(records: readonly OtlpRecord[]): NormalizedRecords {
  const events: NormalizedEvent[] = [];
  const rejected: RejectedRecord[] = [];
  let ignored = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const normalizer = claimant(record);
    if (!normalizer) {
      ignored++;
      continue;
    }
    const { source } = normalizer;
    let fields: readonly UsageFields[];
    try {
      fields = normalizer.normalize(record);
    } catch (err) {
      if (!(err instanceof NormalizeError)) throw err;
      rejected.push({ record: index, source, message: err.message });
      continue;
    }
    if (!fields.length) continue;
    const key = recordKey(record);
    for (let ordinal = 0; ordinal < fields.length; ordinal++) {
      const event = fields[ordinal];
      events.push({ record: index, source, event: placedEvent(record, event, eventIdOf(source, key, ordinal, event.type)) });
    }
  }
  return { events, rejected, ignored };
}
