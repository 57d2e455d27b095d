import Big from 'big.js';
import { DateTime } from 'luxon';
import { freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * The range summary and the time series read whole UTC days and hours from the daily and hourly rollups and
 * only the partial hours at their edges per call. This spec checks that they answer exactly what a plain sum over every call in
 * `read_model.priced_facts` answers, for a few hundred random events and 200 random ranges: inside one hour,
 * across hours, on exact event instants (both ends inclusive), on the hour, empty, and open-ended.
 * The generator is seeded, so a failure reproduces; the seed is in the test name.
 */
const SEED = 20260402;

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

const HOUR = 3_600_000;
const START = Date.parse('2026-03-27T00:00:00.000Z');
const SPAN = 3 * 24 * HOUR;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022', 'acme-unpriced-1', 'o3'];
const OFFSETS = ['UTC', 'UTC+5:30', 'UTC-3', 'UTC+5:45', 'UTC-9:30'];

interface Fact {
  at: number;
  type: string;
  model: string | null;
  execution: string | null;
  workflow: string | null;
  phase: string | null;
  tool: string | null;
  tokenCost: string | null;
  computeCost: string;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

interface Sums {
  tokenCost: Big;
  computeCost: Big;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  /** TokenUsed events. */
  calls: number;
  toolCalls: number;
  unpriced: number;
}

const empty = (): Sums => ({
  tokenCost: new Big(0), computeCost: new Big(0), input: 0, output: 0, cacheCreation: 0, cacheRead: 0, calls: 0, toolCalls: 0, unpriced: 0,
});
function add(s: Sums, f: Fact): void {
  if (f.tokenCost !== null) s.tokenCost = s.tokenCost.plus(f.tokenCost);
  s.computeCost = s.computeCost.plus(f.computeCost);
  s.input += f.input;
  s.output += f.output;
  s.cacheCreation += f.cacheCreation;
  s.cacheRead += f.cacheRead;
  if (f.type === 'TokenUsed') s.calls++;
  else s.toolCalls++;
  if (f.type === 'TokenUsed' && f.tokenCost === null) s.unpriced++;
}

describe(`range summaries are exact (seed ${SEED})`, () => {
  let t: TestApp;
  let key: string;
  let position: string;
  let facts: Fact[];
  const r = rng(SEED);

  /** A random instant in the span, sometimes exactly on the hour or a millisecond either side of it. */
  const instant = () => {
    const base = START + r.int(SPAN);
    switch (r.int(6)) {
      case 0: return base - (base % HOUR);
      case 1: return base - (base % HOUR) - 1;
      case 2: return base - (base % HOUR) + 1;
      default: return base;
    }
  };

  function events(workspaceTag: string, n: number) {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const at = i > 0 && r.int(8) === 0 ? (out[r.int(out.length)].occurred_at as string) : new Date(instant()).toISOString();
      // A session belongs to one execution (ADR 0016): some of its events name it, the others inherit it.
      const session = r.int(40);
      const common = {
        event_id: `${workspaceTag}-${i}`, session_id: `s${session}`, occurred_at: at,
        ...(r.int(5) ? { execution_id: `run-${session % 30}` } : {}),
        ...(r.int(3) ? { workflow_id: r.pick(['wf-a', 'wf-b', 'wf-c']) } : {}),
        ...(r.int(3) ? { phase_id: r.pick(['plan', 'build', 'review']) } : {}),
      };
      if (r.int(4) === 0) {
        out.push({ ...common, type: 'ToolCalled', tool_name: r.pick(['Bash', 'Read', 'Edit']), compute_cost_usd: `0.${String(r.int(1_000_000)).padStart(6, '0')}` });
      } else {
        // Now and then a prompt over 200k tokens, billed entirely at Sonnet's long-context tier.
        const long = r.int(25) === 0;
        out.push({
          ...common, type: 'TokenUsed', model: r.pick(MODELS),
          input_tokens: long ? 150_000 + r.int(100_000) : r.int(5000), output_tokens: r.int(3000),
          cache_creation_tokens: r.int(3) ? 0 : r.int(4000), cache_read_tokens: r.int(2) ? 0 : long ? 60_000 : r.int(20_000),
        });
      }
    }
    return out;
  }

  beforeAll(async () => {
    t = await startTestApp();
    const ws = freshWorkspace('exact');
    key = await t.keyFor(ws);
    // A neighbour with usage in the same hours: none of it may leak into the summaries.
    await t.http.post('/v1/events').set('x-api-key', await t.keyFor(freshWorkspace('neighbour'))).send({ events: events('n', 100) });
    const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events: events('e', 400) });
    expect(res.status).toBe(202);
    position = res.body.data.position;
    await t.http.get(`/v1/cost/summary?after=${position}`).set('x-api-key', key);
    const { rows } = await t.db.pool.query(
      `SELECT occurred_at, event_type, model, execution_id, workflow_id, phase_id, tool_name, token_cost::text, compute_cost::text,
              input_tokens::int, output_tokens::int, cache_creation_tokens::int, cache_read_tokens::int
       FROM read_model.priced_facts WHERE workspace_id = $1 AND event_type IN ('TokenUsed', 'ToolCalled') ORDER BY event_id`,
      [ws],
    );
    facts = rows.map((f) => ({
      at: (f.occurred_at as Date).getTime(), type: f.event_type, model: f.model, execution: f.execution_id, workflow: f.workflow_id,
      phase: f.phase_id, tool: f.tool_name, tokenCost: f.token_cost, computeCost: f.compute_cost, input: f.input_tokens,
      output: f.output_tokens, cacheCreation: f.cache_creation_tokens, cacheRead: f.cache_read_tokens,
    }));
    expect(facts.length).toBe(400);
    expect(facts.some((f) => f.tokenCost === null)).toBe(true);
  });
  afterAll(async () => {
    await t.close();
  });

  /** The plain answer: every call in `[from, to]`, summed with big.js. */
  function reference(from: number | undefined, to: number | undefined) {
    const total = empty();
    const byModel = new Map<string, Sums>();
    const runs = new Set<string>();
    for (const f of facts) {
      if ((from !== undefined && f.at < from) || (to !== undefined && f.at > to)) continue;
      add(total, f);
      if (f.execution !== null) runs.add(f.execution);
      if (f.type === 'ToolCalled') continue;
      const m = byModel.get(f.model!) ?? empty();
      add(m, f);
      byModel.set(f.model!, m);
    }
    return {
      // LLM cost: the sum of byModel; tool compute cost apart.
      totalCostUsdExact: total.tokenCost.toFixed(),
      toolComputeCostUsdExact: total.computeCost.toFixed(),
      totalInputTokens: total.input,
      totalOutputTokens: total.output,
      totalCacheCreationTokens: total.cacheCreation,
      totalCacheReadTokens: total.cacheRead,
      totalRuns: runs.size,
      totalCalls: total.calls,
      totalToolCalls: total.toolCalls,
      unpricedCalls: total.unpriced,
      byModel: [...byModel]
        .map(([model, s]) => ({ model, costUsdExact: s.calls === s.unpriced ? null : s.tokenCost.toFixed(), inputTokens: s.input, outputTokens: s.output, calls: s.calls, unpricedCalls: s.unpriced }))
        .sort((a, b) => a.model.localeCompare(b.model)),
    };
  }

  /** An instant as ISO-8601 in a random fixed offset: the API must read every offset the same way. */
  const iso = (ms: number) => DateTime.fromMillis(ms, { zone: r.pick(OFFSETS) }).toISO({ suppressMilliseconds: ms % 1000 === 0 && r.int(2) === 0 })!;

  function randomRange(i: number): { from?: number; to?: number; kind: string } {
    const someFact = () => facts[r.int(facts.length)].at;
    const hour = START + r.int(SPAN / HOUR) * HOUR;
    switch (i % 9) {
      case 0: {
        const a = hour + r.int(HOUR);
        return { kind: 'inside one hour', from: a, to: a + r.int(hour + HOUR - a) };
      }
      case 1: {
        const a = START - HOUR + r.int(SPAN + 2 * HOUR);
        return { kind: 'across hours', from: a, to: a + r.int(20 * HOUR) };
      }
      case 2: {
        const [a, b] = [someFact(), someFact()].sort((x, y) => x - y);
        return { kind: 'exact event instants', from: a, to: b };
      }
      case 3: {
        const at = someFact();
        return { kind: 'one millisecond', from: at, to: at };
      }
      case 4:
        return { kind: 'on the hour', from: hour, to: hour + (1 + r.int(60)) * HOUR - r.int(2) };
      case 5: {
        const a = r.int(2) ? START - 10 * HOUR : START + SPAN + HOUR;
        return { kind: 'empty', from: a, to: a + r.int(5 * HOUR) };
      }
      case 6: {
        const at = r.int(2) ? someFact() : instant();
        return r.int(2) ? { kind: 'from only', from: at } : { kind: 'to only', to: at };
      }
      case 7:
        return { kind: 'odd', from: hour + 34 * 60_000 + 56_789, to: hour + (4 + r.int(60)) * HOUR + 62_003 };
      default:
        return { kind: 'all time' };
    }
  }

  it('answers 200 random ranges exactly like a plain sum over every call', async () => {
    const kinds = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const range = randomRange(i);
      kinds.set(range.kind, (kinds.get(range.kind) ?? 0) + 1);
      const params = new URLSearchParams({ after: position });
      if (range.from !== undefined) params.set('from', iso(range.from));
      if (range.to !== undefined) params.set('to', iso(range.to));
      const res = await t.http.get(`/v1/cost/summary?${params}`).set('x-api-key', key);
      expect(res.status).toBe(200);
      const { byModel, ...totals } = res.body.data;
      const expected = reference(range.from, range.to);
      const label = `${range.kind} ${params.get('from')} .. ${params.get('to')}`;
      expect({ label, ...totals, byModel: [...byModel].sort((a, b) => a.model.localeCompare(b.model)) }).toMatchObject({
        label,
        ...expected,
        byModel: expected.byModel,
        from: range.from === undefined ? null : new Date(range.from).toISOString(),
        to: range.to === undefined ? null : new Date(range.to).toISOString(),
      });
      expect(res.body.data.totalCostUsd).toBe(new Big(expected.totalCostUsdExact).toNumber());
    }
    expect(kinds.size).toBe(10);
  });

  it('answers random time series exactly in zones with whole, half and quarter hour offsets', async () => {
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe'];
    const dims = ['model', 'workflow', 'phase', 'tool'] as const;
    const keyOf = (f: Fact, dim: (typeof dims)[number]) =>
      dim === 'model' ? (f.type === 'TokenUsed' ? f.model : null) : dim === 'tool' ? (f.type === 'ToolCalled' ? f.tool : null) : dim === 'workflow' ? f.workflow : f.phase;
    for (let i = 0; i < 24; i++) {
      const tz = zones[i % zones.length];
      const granularity = r.pick(['hour', 'day'] as const);
      const groupBy = dims[i % dims.length];
      const from = START - HOUR + r.int(SPAN);
      const to = from + r.int(granularity === 'hour' ? 30 * HOUR : SPAN);
      const params = new URLSearchParams({ after: position, from: iso(from), to: iso(to), granularity, tz, group_by: groupBy });
      const res = await t.http.get(`/v1/cost/timeseries?${params}`).set('x-api-key', key);
      expect(res.status).toBe(200);
      type Group = { key: string | null; costUsdExact: string | null; calls: number; toolCalls: number; toolComputeCostUsdExact: string; inputTokens: number };
      const buckets = res.body.data.buckets as { start: string; end: string; costUsdExact: string; calls: number; toolCalls: number; toolComputeCostUsdExact: string; groups: Group[] }[];
      // Contiguous periods covering both ends, the outer two clipped to the range: exactly the range summary's usage.
      expect(Date.parse(buckets[0].start)).toBeLessThanOrEqual(from);
      expect(Date.parse(buckets[buckets.length - 1].end)).toBeGreaterThan(to);
      let grand = new Big(0);
      buckets.forEach((b, j) => {
        if (j > 0) expect(b.start).toBe(buckets[j - 1].end);
        const lo = Math.max(Date.parse(b.start), from);
        const hi = Math.min(Date.parse(b.end), to + 1);
        const total = empty();
        const groups = new Map<string | null, Sums>();
        for (const f of facts.filter((x) => x.at >= lo && x.at < hi)) {
          add(total, f);
          const g = groups.get(keyOf(f, groupBy)) ?? empty();
          add(g, f);
          groups.set(keyOf(f, groupBy), g);
        }
        const label = `${tz} ${granularity} ${groupBy} ${b.start}`;
        expect({ label, cost: b.costUsdExact, calls: b.calls, toolCalls: b.toolCalls, compute: b.toolComputeCostUsdExact }).toEqual({
          label, cost: total.tokenCost.toFixed(), calls: total.calls, toolCalls: total.toolCalls, compute: total.computeCost.toFixed(),
        });
        const expectedGroups = [...groups].map(([k, s]) => ({
          key: k, costUsdExact: s.calls > 0 && s.calls === s.unpriced ? null : s.tokenCost.toFixed(), calls: s.calls, toolCalls: s.toolCalls,
          toolComputeCostUsdExact: s.computeCost.toFixed(), inputTokens: s.input,
        }));
        const byKey = (a: { key: string | null }, c: { key: string | null }) => String(a.key).localeCompare(String(c.key));
        const shown = b.groups.map(({ key, costUsdExact, calls, toolCalls, toolComputeCostUsdExact, inputTokens }) =>
          ({ key, costUsdExact, calls, toolCalls, toolComputeCostUsdExact, inputTokens }));
        expect({ label, groups: shown.sort(byKey) }).toEqual({ label, groups: expectedGroups.sort(byKey) });
        grand = grand.plus(b.costUsdExact);
      });
      expect(res.body.data.totalCostUsdExact).toBe(grand.toFixed());
      // The same range summed by the summary: the series adds up to it, calls for calls.
      const summary = (await t.http.get(`/v1/cost/summary?${new URLSearchParams({ from: iso(from), to: iso(to) })}`).set('x-api-key', key)).body.data;
      expect({ cost: summary.totalCostUsdExact, calls: summary.totalCalls, toolCalls: summary.totalToolCalls }).toEqual({
        cost: grand.toFixed(), calls: buckets.reduce((n, b) => n + b.calls, 0), toolCalls: buckets.reduce((n, b) => n + b.toolCalls, 0),
      });
    }
  });
});
