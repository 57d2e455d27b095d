import Big from 'big.js';
import { createHash } from 'node:crypto';
import { mergeDelta, SessionDelta, sessionDelta, totalTokens } from '../peers/session-cost';
import { SHIPPED_CATALOG } from '../../libs/pricing/src/default-catalog';
import { resolveModel } from '../../libs/pricing/src/model-resolution';
import { buildCatalog } from '../../libs/pricing/src/price-catalog';
import { rowAt } from '../support/pricing-oracle';
import { DataSet, distinctEvents, WireEvent } from './data-set';
import { generateUsage, MODEL_MIX, WINDOW_START } from './usage.generator';

const fingerprint = (d: DataSet) => {
  const h = createHash('sha256');
  for (const b of d.batches) h.update(b.workspace).update(b.body);
  return h.digest('hex');
};

describe('usage generator', () => {
  const data = generateUsage({ events: 30_000, seed: 'generator-spec' });
  const calls = [...distinctEvents(data)].map((e) => e.event).filter((e) => e.type === 'TokenUsed');
  const count = (p: (e: WireEvent) => boolean) => calls.filter(p).length;
  const at = (e: WireEvent) => Date.parse(e.occurred_at);
  const row = (e: WireEvent) => rowAt((e.provider as string | undefined) ?? null, String(e.model), at(e));
  const lists = (e: WireEvent, field: string, value: string) => row(e)?.modifiers[field]?.[value] !== undefined;

  it('sends names that resolve, by the service\'s resolution over the shipped catalog, to the models a reader expects', () => {
    const shipped = buildCatalog(SHIPPED_CATALOG.rows, 1, [], [], SHIPPED_CATALOG.providers);
    const resolved = Object.fromEntries(MODEL_MIX.map((m) => [`${m.provider ?? '-'} ${m.name}`, resolveModel(shipped, m.provider ?? null, m.name)]));
    expect(resolved).toEqual({
      '- claude-sonnet-4-5-20250929': 'anthropic/claude-sonnet-4-5',
      '- gpt-5-mini': 'openai/gpt-5-mini',
      '- claude-haiku-4-5-20251001': 'anthropic/claude-haiku-4-5',
      '- claude-opus-4-6': 'anthropic/claude-opus-4-6',
      '- gpt-5': 'openai/gpt-5',
      '- gemini-2.5-flash': 'google/gemini-2.5-flash',
      'bedrock us.anthropic.claude-sonnet-4-5-20250929-v1:0': 'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0',
      '- gpt-4.1': 'openai/gpt-4.1',
      '- gemini-2.5-pro': 'google/gemini-2.5-pro',
      '- o3': 'openai/o3',
      'vertex claude-sonnet-4-5@20250929': 'google/claude-sonnet-4-5',
      'openrouter anthropic/claude-sonnet-4.5': 'openrouter/anthropic/claude-sonnet-4.5',
      // Azure has no row of its own for GPT-4.1: its fallback provider's (OpenAI's) price.
      'azure gpt-4.1': 'openai/gpt-4.1',
      '- acme-internal-1': null,
      'bedrock acme.router-v2:0': null,
    });
  });

  it('prices every call whose name resolves, over the whole window, and sends about 2% of calls under names no row prices', () => {
    for (const m of MODEL_MIX) {
      const catalogued = rowAt(m.provider ?? null, m.name, WINDOW_START);
      expect({ m, priced: catalogued !== undefined && rowAt(m.provider ?? null, m.name, WINDOW_START + 31 * 86_400_000) === catalogued }).toEqual({
        m, priced: !m.name.startsWith('acme'),
      });
    }
    const unpriced = count((e) => row(e) === undefined) / calls.length;
    expect(unpriced).toBeGreaterThan(0.01);
    expect(unpriced).toBeLessThan(0.04);
    expect(data.stats.unpricedCalls).toBe(count((e) => row(e) === undefined));
    expect(count((e) => e.provider !== undefined) / calls.length).toBeGreaterThan(0.1);
  });

  it('goes past the 200k-token prompt threshold mostly on rows priced with a long-context tier, first party and resold', () => {
    const prompt = (e: WireEvent) => (e.input_tokens as number) + (e.cache_creation_tokens as number) + (e.cache_read_tokens as number);
    const long = calls.filter((e) => prompt(e) > 200_000);
    const tiered = long.filter((e) => (row(e)?.tiers.length ?? 0) > 0);
    expect(long.length).toBe(data.stats.longContextCalls);
    // Large prompts happen anywhere; the long-context share adds its calls on tiered rows only.
    expect(tiered.length).toBeGreaterThan((long.length - tiered.length) * 3);
    expect(new Set(tiered.map((e) => e.provider ?? '-'))).toEqual(new Set(['-', 'vertex', 'openrouter']));
  });

  it('is deterministic for a seed, and differs for another', () => {
    expect(fingerprint(generateUsage({ events: 30_000, seed: 'generator-spec' }))).toBe(fingerprint(data));
    expect(fingerprint(generateUsage({ events: 30_000, seed: 'another' }))).not.toBe(fingerprint(data));
  });

  it('keeps subsets inside their parents and puts them where they are realistic', () => {
    const reasoning = calls.filter((e) => (e.reasoning_tokens as number) > 0);
    const oneHour = calls.filter((e) => (e.cache_creation_1h_tokens as number) > 0);
    expect(reasoning.length).toBeGreaterThan(calls.length * 0.05);
    expect(oneHour.length).toBeGreaterThan(50);
    expect(new Set(reasoning.map((e) => e.model))).toEqual(new Set(MODEL_MIX.filter((m) => m.reasoning).map((m) => m.name)));
    expect(reasoning.every((e) => (e.reasoning_tokens as number) <= (e.output_tokens as number))).toBe(true);
    expect(oneHour.every((e) => String(e.model).includes('claude') && (e.cache_creation_1h_tokens as number) <= (e.cache_creation_tokens as number))).toBe(true);
    expect(new Set(oneHour.map((e) => e.provider ?? '-'))).toEqual(new Set(['-', 'bedrock', 'vertex', 'openrouter']));
  });

  it('searches the web only where every rate set of the row prices it, so no call is partly priced', () => {
    const searching = calls.filter((e) => (e.web_search_requests as number) > 0);
    expect(searching.length).toBeGreaterThan(100);
    expect(searching.every((e) => row(e)?.priced.has('web_search'))).toBe(true);
    expect(data.stats.dimensions.partial).toBeUndefined();
  });

  it('serves about 5% as batch, flex and priority only on rows listing them, fast and us only on Opus 4.6', () => {
    const batch = count((e) => e.service_tier === 'batch') / calls.length;
    expect(batch).toBeGreaterThan(0.04);
    expect(batch).toBeLessThan(0.06);
    for (const tier of ['flex', 'priority']) {
      const served = calls.filter((e) => e.service_tier === tier);
      expect(served.length).toBeGreaterThan(0);
      expect(served.every((e) => lists(e, 'service_tier', tier))).toBe(true);
    }
    const fast = calls.filter((e) => e.speed === 'fast');
    const us = calls.filter((e) => e.inference_geo === 'us');
    const opus = count((e) => e.model === 'claude-opus-4-6');
    expect(opus).toBeGreaterThan(calls.length * 0.05);
    expect(fast.length).toBeGreaterThan(opus * 0.04);
    expect(us.length).toBeGreaterThan(opus * 0.1);
    expect([...fast, ...us].every((e) => e.model === 'claude-opus-4-6' && at(e) >= Date.parse('2026-02-05T00:00:00.000Z'))).toBe(true);
    expect(fast.every((e) => e.service_tier === undefined || e.service_tier === 'standard')).toBe(true);
  });

  it('omits defaults on most calls and sends them explicitly on a few', () => {
    const explicit = count((e) => e.service_tier === 'standard' && e.speed === 'standard' && e.inference_geo === 'global' && e.web_search_requests === 0);
    // Reasoning models report their thinking on every call: an explicit 0 is the default sent, a count is not.
    const omitted = count((e) => !('service_tier' in e) && !('speed' in e) && !('inference_geo' in e) && e.reasoning_tokens !== 0);
    expect(explicit).toBeGreaterThan(calls.length * 0.01);
    expect(explicit).toBeLessThan(calls.length * 0.06);
    expect(omitted).toBeGreaterThan(calls.length * 0.6);
  });

  it("agrees with the peers' per-event pricing: per workspace, tokens, cost and unpriced calls", () => {
    const byWorkspace = new Map<string, SessionDelta[]>();
    const sessions = new Map<string, SessionDelta>();
    for (const { workspace, event } of distinctEvents(data)) {
      const d = sessionDelta(workspace, event);
      const k = `${workspace}/${event.session_id}`;
      const prev = sessions.get(k);
      if (prev) mergeDelta(prev, d);
      else {
        sessions.set(k, d);
        byWorkspace.set(workspace, [...(byWorkspace.get(workspace) ?? []), d]);
      }
    }
    for (const ws of data.workspaces) {
      const rows = byWorkspace.get(ws) ?? [];
      const truth = data.truth.get(ws)!;
      expect({
        ws,
        tokens: rows.reduce((n, d) => n + totalTokens(d), 0),
        cost: rows.reduce((c, d) => c.plus(d.tokenCost).plus(d.computeCost), new Big(0)).toFixed(),
        unpriced: rows.reduce((n, d) => n + d.unpricedEvents, 0),
      }).toEqual({ ws, tokens: truth.totalTokens, cost: truth.tokenCost.plus(truth.computeCost).toFixed(), unpriced: truth.unpricedCalls });
    }
  });
});
