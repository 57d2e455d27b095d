import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseUsageEvent } from '@ledger/ingest';
import { AttributeValue, Attributes, normalizeRecords, OtlpRecord } from '@ledger/otlp';

/**
 * Every golden fixture under test/otlp/fixtures/<source>/ (receiver/ aside, which holds the receiver's own
 * bodies) decoded into OtlpRecords and normalized: the events in record order, without their ids, and the
 * number of records rejected, exactly as the fixture states them. The HTTP golden runner sends the same
 * fixtures through the receiver and checks their sessions' costs.
 */
const FIXTURES = path.join(__dirname, 'fixtures');

interface Fixture {
  readonly description: string;
  readonly signal: 'logs' | 'traces';
  readonly request: Record<string, unknown>;
  readonly events: readonly Record<string, unknown>[];
  readonly rejected: number;
  readonly sessions: Record<string, Record<string, unknown>>;
}

const fixtureFiles = (): string[] =>
  readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'receiver')
    .flatMap((d) =>
      readdirSync(path.join(FIXTURES, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(d.name, f)),
    )
    .sort();

// TODO(issue 16): the receiver's OTLP/JSON decoder replaces this minimal one once it is on main.
type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

function anyValue(v: unknown): AttributeValue {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Json;
  if ('stringValue' in o) return o.stringValue as string;
  if ('boolValue' in o) return o.boolValue as boolean;
  if ('intValue' in o) {
    const n = Number(o.intValue);
    return Number.isSafeInteger(n) ? n : String(o.intValue);
  }
  if ('doubleValue' in o) return Number(o.doubleValue);
  if ('arrayValue' in o) return list((o.arrayValue as Json).values).map(anyValue);
  if ('kvlistValue' in o) return attributes((o.kvlistValue as Json).values);
  if ('bytesValue' in o) return Buffer.from(String(o.bytesValue), 'base64').toString('hex');
  return null;
}

function attributes(kvs: unknown): Attributes {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list(kvs)) out[String(kv.key)] = anyValue(kv.value);
  return out;
}

const nanos = (v: unknown): string => (v === undefined || v === null || v === '' ? '0' : String(v));
const hex = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

function decode(signal: 'logs' | 'traces', request: Json): OtlpRecord[] {
  const records: OtlpRecord[] = [];
  const resources = list(signal === 'logs' ? request.resourceLogs : request.resourceSpans);
  for (const r of resources) {
    const resource = attributes((r.resource as Json | undefined)?.attributes);
    for (const s of list(signal === 'logs' ? r.scopeLogs : r.scopeSpans)) {
      const sc = (s.scope ?? {}) as Json;
      const scope = { name: String(sc.name ?? ''), version: String(sc.version ?? ''), attributes: attributes(sc.attributes) };
      if (signal === 'logs') {
        for (const l of list(s.logRecords)) {
          records.push({
            signal,
            resource,
            scope,
            log: {
              timeUnixNano: nanos(l.timeUnixNano),
              observedTimeUnixNano: nanos(l.observedTimeUnixNano),
              severityText: String(l.severityText ?? ''),
              eventName: String(l.eventName ?? ''),
              body: anyValue(l.body),
              attributes: attributes(l.attributes),
              traceId: hex(l.traceId),
              spanId: hex(l.spanId),
            },
          });
        }
      } else {
        for (const sp of list(s.spans)) {
          const status = (sp.status ?? {}) as Json;
          records.push({
            signal,
            resource,
            scope,
            span: {
              traceId: hex(sp.traceId),
              spanId: hex(sp.spanId),
              parentSpanId: hex(sp.parentSpanId),
              name: String(sp.name ?? ''),
              kind: Number(sp.kind ?? 0),
              startTimeUnixNano: nanos(sp.startTimeUnixNano),
              endTimeUnixNano: nanos(sp.endTimeUnixNano),
              attributes: attributes(sp.attributes),
              events: list(sp.events).map((e) => ({ name: String(e.name ?? ''), timeUnixNano: nanos(e.timeUnixNano), attributes: attributes(e.attributes) })),
              status: { code: Number(status.code ?? 0), message: String(status.message ?? '') },
            },
          });
        }
      }
    }
  }
  return records;
}

const files = fixtureFiles();

describe('normalizer golden fixtures', () => {
  it('finds fixtures', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe.each(files)('%s', (file) => {
    const fixture = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Fixture;
    const result = normalizeRecords(decode(fixture.signal, fixture.request as Json));

    it('normalizes to the expected events, in record order', () => {
      expect(result.events.map(({ event: { event_id: _id, ...fields } }) => fields)).toEqual(fixture.events);
    });

    it('rejects the expected records', () => {
      expect(result.rejected.length).toBe(fixture.rejected);
    });

    it('gives every event its own id, accepted by ingest as it is', () => {
      const ids = result.events.map((e) => e.event.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const { event } of result.events) {
        const parsed = parseUsageEvent(event, 'ws_golden', Date.parse('2027-01-01T00:00:00Z'));
        expect(Array.isArray(parsed) ? parsed : []).toEqual([]);
      }
    });

    it('names only sessions its events carry', () => {
      const sessions = new Set(fixture.events.map((e) => e.session_id));
      for (const id of Object.keys(fixture.sessions)) expect(sessions.has(id)).toBe(true);
    });
  });
});
