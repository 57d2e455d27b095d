import Big from 'big.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttributeValue, Attributes, OtlpRecord, OtlpScope } from '../../libs/otlp/src/otlp-model';
import { normalizeRecords } from '../../libs/otlp/src/normalize-records';
import { parseUsageEvent } from '@ledger/ingest';
import { buildCatalog, PRICE_MODIFIERS, resolveModel, SHIPPED_CATALOG, USAGE_CLASSES, UsageClass } from '@ledger/pricing';

/**
 * The GenAI, OpenLLMetry and Vercel AI SDK golden fixtures through `normalizeRecords`, with an OTLP/JSON reading local
 * to this spec (the receiver's decoder is not on this branch). Each fixture's expected events must come out exactly
 * and pass ingest's own per-event parser;
 * each TokenUsed's model must resolve in the shipped catalog under the provider it carries; and each session's
 * hand-computed cost must equal an independent big.js sum over the catalog's rates, so a slip in the fixture shows.
 */
const FIXTURES = join(__dirname, 'fixtures');
const SOURCES = ['gen-ai', 'openllmetry', 'vercel-ai'];

type Json = { readonly [key: string]: unknown };
interface Fixture {
  readonly description: string;
  readonly signal: 'logs' | 'traces';
  readonly request: Json;
  readonly events: readonly Json[];
  readonly rejected: number;
  readonly sessions: Readonly<Record<string, Json>>;
}

const list = (value: unknown): readonly Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const nanos = (value: unknown): string => (value === undefined || value === null ? '0' : String(value));

function anyValue(value: Json | undefined): AttributeValue {
  if (!value) return null;
  if ('stringValue' in value) return str(value.stringValue);
  if ('boolValue' in value) return Boolean(value.boolValue);
  if ('intValue' in value) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return list((value.arrayValue as Json).values).map((v) => anyValue(v));
  if ('kvlistValue' in value) return attributes((value.kvlistValue as Json).values);
  return null;
}

function attributes(kvs: unknown): Attributes {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list(kvs)) out[str(kv.key)] = anyValue(kv.value as Json | undefined);
  return out;
}

const scopeOf = (scope: unknown): OtlpScope => {
  const s = (scope ?? {}) as Json;
  return { name: str(s.name), version: str(s.version), attributes: attributes(s.attributes) };
};

function records(signal: 'logs' | 'traces', request: Json): OtlpRecord[] {
  const out: OtlpRecord[] = [];
  if (signal === 'traces') {
    for (const rs of list(request.resourceSpans)) {
      const resource = attributes(((rs.resource ?? {}) as Json).attributes);
      for (const ss of list(rs.scopeSpans)) {
        const scope = scopeOf(ss.scope);
        for (const s of list(ss.spans)) {
          const status = (s.status ?? {}) as Json;
          out.push({
            signal,
            resource,
            scope,
            span: {
              traceId: str(s.traceId).toLowerCase(),
              spanId: str(s.spanId).toLowerCase(),
              parentSpanId: str(s.parentSpanId).toLowerCase(),
              name: str(s.name),
              kind: Number(s.kind ?? 0),
              startTimeUnixNano: nanos(s.startTimeUnixNano),
              endTimeUnixNano: nanos(s.endTimeUnixNano),
              attributes: attributes(s.attributes),
              events: list(s.events).map((e) => ({ name: str(e.name), timeUnixNano: nanos(e.timeUnixNano), attributes: attributes(e.attributes) })),
              status: { code: Number(status.code ?? 0), message: str(status.message) },
            },
          });
        }
      }
    }
    return out;
  }
  for (const rl of list(request.resourceLogs)) {
    const resource = attributes(((rl.resource ?? {}) as Json).attributes);
    for (const sl of list(rl.scopeLogs)) {
      const scope = scopeOf(sl.scope);
      for (const l of list(sl.logRecords)) {
        out.push({
          signal,
          resource,
          scope,
          log: {
            timeUnixNano: nanos(l.timeUnixNano),
            observedTimeUnixNano: nanos(l.observedTimeUnixNano),
            severityText: str(l.severityText),
            eventName: str(l.eventName),
            body: anyValue(l.body as Json | undefined),
            attributes: attributes(l.attributes),
            traceId: str(l.traceId).toLowerCase(),
            spanId: str(l.spanId).toLowerCase(),
          },
        });
      }
    }
  }
  return out;
}

const catalog = buildCatalog(SHIPPED_CATALOG.rows, 1, [], [], SHIPPED_CATALOG.providers);
const MILLION = new Big(1_000_000);

/** The catalog row in force for a model at a time (the newest that started before it). */
function rowFor(model: string, at: string) {
  const rows = catalog.byModel.get(model) ?? [];
  const t = Date.parse(at);
  return rows.find((r) => r.from <= t && t < r.to);
}

/** One call's cost by the catalog's rates, computed here from the raw rows (independent of the pricing SQL). */
function callCost(event: Json): Big {
  const provider = typeof event.provider === 'string' ? event.provider : null;
  const resolved = resolveModel(catalog, provider, str(event.model));
  if (!resolved) throw new Error(`${provider ?? '(none)'}/${str(event.model)} does not resolve in the shipped catalog`);
  const source = SHIPPED_CATALOG.rows.filter((r) => r.model === resolved).find((r) => r.effective_from === rowFor(resolved, str(event.occurred_at))?.ref.split('@')[1]);
  if (!source) throw new Error(`no row for ${resolved} at ${str(event.occurred_at)}`);
  const qty = (field: string) => Number(event[field] ?? 0);
  const prompt = USAGE_CLASSES.filter((c) => c.inPrompt).reduce((sum, c) => sum + qty(c.field), 0);
  const tier = [...(source.tiers ?? [])].sort((a, b) => b.above_prompt_tokens - a.above_prompt_tokens).find((t) => prompt > t.above_prompt_tokens);
  const rates = (tier?.rates ?? source.rates) as Readonly<Record<string, string | undefined>>;
  const rateOf = (cls: UsageClass): string => {
    const own = rates[cls.key];
    if (own !== undefined) return own;
    if (typeof cls.whenMissing === 'object') return rateOf(USAGE_CLASSES.find((c) => c.key === (cls.whenMissing as { rateOf: string }).rateOf) as UsageClass);
    throw new Error(`${resolved} has no ${cls.key} rate`);
  };
  let multiplier = new Big(1);
  for (const { field } of PRICE_MODIFIERS) {
    const value = event[field];
    const factor = typeof value === 'string' ? (source.modifiers as Record<string, Record<string, string>> | undefined)?.[field]?.[value] : undefined;
    if (factor !== undefined) multiplier = multiplier.times(factor);
  }
  let cost = new Big(0);
  for (const cls of USAGE_CLASSES as readonly UsageClass[]) {
    const subsets = USAGE_CLASSES.filter((c) => 'partOf' in c && c.partOf === cls.key);
    const units = qty(cls.field) - subsets.reduce((sum, c) => sum + qty(c.field), 0);
    if (units === 0) continue;
    const part = new Big(units).times(rateOf(cls)).div(cls.per === 1_000 ? 1_000 : MILLION);
    cost = cost.plus(cls.modified ? part.times(multiplier) : part);
  }
  return cost;
}

const withoutIds = (event: Json): Json => {
  const { event_id: _id, ...rest } = event;
  return rest;
};

for (const source of SOURCES) {
  const files = readdirSync(join(FIXTURES, source)).filter((f) => f.endsWith('.json'));
  describe(`golden OTLP fixtures: ${source}`, () => {
    it.each(files)('%s', (file) => {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, source, file), 'utf8')) as Fixture;
      const { events, rejected } = normalizeRecords(records(fixture.signal, fixture.request));
      expect(rejected.map((r) => r.message)).toHaveLength(fixture.rejected);
      expect(events.map((e) => withoutIds(e.event as unknown as Json))).toEqual(fixture.events);
      expect(new Set(events.map((e) => e.event.event_id)).size).toBe(events.length);
      for (const { event } of events) {
        const parsed = parseUsageEvent(event, 'ws-golden', Date.parse('2027-01-01T00:00:00Z'));
        expect(Array.isArray(parsed) ? parsed : []).toEqual([]);
      }

      for (const [session, expected] of Object.entries(fixture.sessions)) {
        const mine = events.map((e) => e.event as unknown as Json).filter((e) => e.session_id === session);
        const calls = mine.filter((e) => e.type === 'TokenUsed');
        const sum = (field: string) => calls.reduce((n, e) => n + Number(e[field] ?? 0), 0);
        const actual: Record<string, unknown> = {
          total_cost_usd: calls.reduce((total, e) => total.plus(callCost(e)), new Big(0)).toFixed(),
          input_tokens: sum('input_tokens'),
          output_tokens: sum('output_tokens'),
          cache_read_tokens: sum('cache_read_tokens'),
          cache_creation_tokens: sum('cache_creation_tokens'),
          tool_calls: mine.filter((e) => e.type === 'ToolCalled').length,
        };
        expect(Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]))).toEqual(expected);
      }
    });
  });
}

describe('the ingest check above', () => {
  it('refuses what ingest refuses (a 1-hour part larger than the cache writes)', () => {
    const event = { event_id: 'x:1', type: 'TokenUsed', session_id: 's', occurred_at: '2026-11-20T00:00:00.000Z', model: 'm', cache_creation_tokens: 1, cache_creation_1h_tokens: 2 };
    expect(parseUsageEvent(event, 'ws-golden', Date.parse('2027-01-01T00:00:00Z'))).toEqual([expect.objectContaining({ field: 'cache_creation_1h_tokens' })]);
  });
});
