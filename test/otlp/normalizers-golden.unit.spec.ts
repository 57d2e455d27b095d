import Big from 'big.js';
import path from 'node:path';
import { parseUsageEvent } from '@ledger/ingest';
import { decodeOtlp, normalizeRecords } from '@ledger/otlp';
import { buildCatalog, PRICE_MODIFIERS, resolveModel, SHIPPED_CATALOG, USAGE_CLASSES, UsageClass } from '@ledger/pricing';
import { OtlpFixture, otlpFixtures, otlpProtobuf } from '../support/otlp';

/**
 * Every golden fixture under test/otlp/fixtures/<source>/ (receiver/ aside, which holds the receiver's own
 * bodies) decoded by the receiver's decoder from either encoding and normalized, without a database: the events
 * in record order without their ids, the same ids from JSON and from protobuf, the number of records rejected,
 * each event as ingest's own parser accepts it, and each session's hand-computed figures equal to an independent
 * big.js sum over the shipped catalog's rates (so a slip in a fixture shows). The HTTP golden runner
 * (test/otlp-golden.e2e.spec.ts) posts the same fixtures and checks the service's figures against the same numbers.
 */
const FIXTURES = otlpFixtures(path.join(__dirname, 'fixtures')).filter((f) => !f.file.startsWith(`receiver${path.sep}`));

type Json = { readonly [key: string]: unknown };
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
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

const normalized = (fixture: OtlpFixture, encoding: 'json' | 'protobuf') =>
  normalizeRecords(
    decodeOtlp(fixture.signal, encoding, encoding === 'json' ? Buffer.from(JSON.stringify(fixture.request)) : otlpProtobuf(fixture.signal, fixture.request)),
  );

describe('normalizer golden fixtures', () => {
  it('finds fixtures', () => {
    expect(FIXTURES.length).toBeGreaterThan(0);
  });

  describe.each(FIXTURES.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    const result = normalized(fixture, 'json');

    it('normalizes to the expected events, in record order', () => {
      expect(result.events.map(({ event: { event_id: _id, ...fields } }) => fields)).toEqual(fixture.events);
    });

    it('rejects the expected records', () => {
      expect(result.rejected.length).toBe(fixture.rejected);
    });

    it('gives every event its own id, the same from protobuf as from JSON', () => {
      const ids = result.events.map((e) => e.event.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(normalized(fixture, 'protobuf').events.map((e) => e.event.event_id)).toEqual(ids);
    });

    it('makes events ingest accepts as they are', () => {
      for (const { event } of result.events) {
        const parsed = parseUsageEvent(event, 'ws_golden', Date.parse('2027-01-01T00:00:00Z'));
        expect(Array.isArray(parsed) ? parsed : []).toEqual([]);
      }
    });

    it("states each session's figures as the catalog's rates give them", () => {
      for (const [session, expected] of Object.entries(fixture.sessions)) {
        const mine = result.events.map((e) => e.event as unknown as Json).filter((e) => e.session_id === session);
        const calls = mine.filter((e) => e.type === 'TokenUsed');
        const sum = (field: string) => calls.reduce((n, e) => n + Number(e[field] ?? 0), 0);
        const actual: Record<string, unknown> = {
          total_cost_usd: calls.reduce((total, e) => total.plus(callCost(e)), new Big(0)).toFixed(),
          input_tokens: sum('input_tokens'),
          output_tokens: sum('output_tokens'),
          cache_read_tokens: sum('cache_read_tokens'),
          cache_creation_tokens: sum('cache_creation_tokens'),
          tool_calls: mine.filter((e) => e.type === 'ToolCalled').length,
          reported_cost_usd: calls.some((e) => e.reported_cost_usd !== undefined)
            ? calls.reduce((total, e) => total.plus(str(e.reported_cost_usd) || 0), new Big(0)).toFixed()
            : null,
        };
        const compared = Object.keys(expected).filter((k) => k in actual);
        expect(Object.fromEntries(compared.map((k) => [k, actual[k]]))).toEqual(Object.fromEntries(compared.map((k) => [k, (expected as Json)[k]])));
      }
    });

    it('names only sessions its events carry', () => {
      const sessions = new Set(fixture.events.map((e) => e.session_id));
      for (const id of Object.keys(fixture.sessions)) expect(sessions.has(id)).toBe(true);
    });
  });
});
