import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { PRICE_MODIFIERS } from '@ledger/pricing';
import type { Pool } from 'pg';
import { Statement } from '../shared/statement';

const S = READ_MODEL_SCHEMA;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A half-open span of instants `[lo, hi)` in ms since the epoch; `±Infinity` is an open end. */
export interface Span {
  readonly lo: number;
  readonly hi: number;
}

/**
 * How a bucketed range is read exactly, from the coarsest rows that fit:
 * - `wholeDays`: day-aligned spans whose UTC days lie inside one bucket each, summed from `daily_costs`;
 * - `wholeHours`: hour-aligned spans whose hours lie inside one bucket each, summed from `hourly_costs`;
 * - `edges`: the parts of the range inside hours cut by a bucket boundary, summed per call from `cost_facts`.
 * The three never overlap and together cover `[boundaries[0], boundaries[n])`.
 */
export interface RangePlan {
  /** Ascending bucket boundaries; bucket `i` (1-based, as SQL `width_bucket` numbers it) is `[b[i-1], b[i])`. */
  readonly boundaries: readonly number[];
  readonly wholeDays: readonly Span[];
  readonly wholeHours: readonly Span[];
  readonly edges: readonly Span[];
}

const floorTo = (unit: number) => (t: number) => (Number.isFinite(t) ? t - (((t % unit) + unit) % unit) : t);
const ceilTo = (unit: number) => (t: number) => -floorTo(unit)(-t);

/**
 * Splits `spans` into the `unit`-aligned parts made of units that no boundary cuts (`whole`), and the rest
 * (`rest`: the cut units and the unaligned ends), adjacent rest spans merged. Pure.
 */
function carve(spans: readonly Span[], unit: number, boundaries: readonly number[]): { whole: Span[]; rest: Span[] } {
  const floor = floorTo(unit);
  const ceil = ceilTo(unit);
  const cut = [...new Set(boundaries.filter((b) => Number.isFinite(b) && floor(b) !== b).map(floor))].sort((a, b) => a - b);
  const whole: Span[] = [];
  const rest: Span[] = [];
  const keep = (list: Span[], lo: number, hi: number, merge: boolean) => {
    if (lo >= hi) return;
    const last = list[list.length - 1];
    if (merge && last && last.hi === lo) list[list.length - 1] = { lo: last.lo, hi };
    else list.push({ lo, hi });
  };
  for (const { lo, hi } of spans) {
    const a = ceil(lo);
    const b = floor(hi);
    if (a >= b) {
      keep(rest, lo, hi, true);
      continue;
    }
    keep(rest, lo, a, true);
    let cursor = a;
    for (const unitStart of cut) {
      if (unitStart < a || unitStart >= b) continue;
      keep(whole, cursor, unitStart, false);
      keep(rest, unitStart, unitStart + unit, true);
      cursor = unitStart + unit;
    }
    keep(whole, cursor, b, false);
    keep(rest, b, hi, true);
  }
  return { whole, rest };
}

/** Plans a bucketed range: whole days, then whole hours, then per-call edges. Pure. */
export function planRange(boundaries: readonly number[]): RangePlan {
  const range = [{ lo: boundaries[0], hi: boundaries[boundaries.length - 1] }];
  const hours = carve(range, HOUR_MS, boundaries);
  const days = carve(hours.whole, DAY_MS, boundaries);
  return { boundaries, wholeDays: days.whole, wholeHours: days.rest, edges: hours.rest };
}

/** PostgreSQL's spelling of an instant, infinities included. */
const pgInstant = (t: number) => (t === Infinity ? 'infinity' : t === -Infinity ? '-infinity' : new Date(t).toISOString());

/** The sums the rollup keeps, for one bucket or one group; money as exact decimal strings. */
export interface Figures {
  /** LLM cost: the priced TokenUsed calls' cost. */
  readonly tokenCost: string;
  /** ToolCalled compute cost. */
  readonly computeCost: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheCreationTokens: number;
  readonly cacheReadTokens: number;
  /** TokenUsed events (model calls). */
  readonly calls: number;
  /** ToolCalled events. */
  readonly toolCalls: number;
  /** TokenUsed events with no price: their tokens count, their cost is not invented. */
  readonly unpricedCalls: number;
}

/** Every call of the group is unpriced: its cost is unknown, not $0. */
export const isUnpriced = (f: Figures): boolean => f.calls > 0 && f.unpricedCalls === f.calls;

/** The modifiers the rollups keep as dimensions (`service_tier`, `speed`): rows only for calls served otherwise than by default. */
const ROLLUP_MODIFIERS = PRICE_MODIFIERS.filter((m) => m.rollup);
export type ModifierDimension = Extract<(typeof PRICE_MODIFIERS)[number], { rollup: true }>['field'];

/** What a group key can be: the rollups' dimensions that partition usage by an attribute. */
export type GroupDimension = 'model' | 'tool' | 'workflow' | 'phase' | ModifierDimension;
export const GROUP_DIMENSIONS: readonly GroupDimension[] = ['model', 'workflow', 'phase', 'tool', ...ROLLUP_MODIFIERS.map((m) => m.field)];

/**
 * The key of the usage without a key of `dimension`: null, or a modifier's default value. A modifier's
 * default group is the remainder of the bucket, so it also holds the tool calls (ToolCalled has no tier or
 * speed): a bucket's groups add up to its total under every grouping.
 */
const remainderKey = (dimension: GroupDimension): string | null => ROLLUP_MODIFIERS.find((m) => m.field === dimension)?.default ?? null;

export interface BucketFigures {
  /** Every usage event of the bucket (TokenUsed and ToolCalled). */
  total: Figures;
  /**
   * Per key of the requested dimension, most expensive first, groups with no priced call last. The key
   * `null` holds the usage without one: tool calls when grouping by model, model calls when grouping by
   * tool, events without a workflow or phase id. Grouping by a modifier, that remainder is keyed by its
   * default value (`standard`): the calls served by default, and the tool calls.
   */
  readonly groups: { readonly key: string | null; readonly figures: Figures }[];
}

const ZERO: Figures = {
  tokenCost: '0', computeCost: '0', inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, calls: 0, toolCalls: 0, unpricedCalls: 0,
};

/** The rollups' sums as PostgreSQL returns them: numerics and bigints as text. */
export interface RollupSumsRow {
  token_cost: string;
  compute_cost: string;
  input_tokens: string;
  output_tokens: string;
  cache_creation_tokens: string;
  cache_read_tokens: string;
  calls: string;
  tool_calls: string;
  unpriced_calls: string;
}

interface RollupRow extends RollupSumsRow {
  i: number;
  dim: string;
  /** Null on a subtotal row (one per bucket and dimension). */
  key: string | null;
}

/**
 * One statement, one pass of aggregation.
 * - Each whole span is an index range scan of its rollup's primary key `(workspace_id, dimension, day or
 *   hour, key)`; each edge span an index range scan of `cost_facts (workspace_id, occurred_at)`.
 *   Both are LATERAL subqueries fenced with `OFFSET 0`, so the planner runs them as parameterised index
 *   scans rather than flattening them into a join it would answer with one scan of the workspace's facts.
 * - `width_bucket` over the boundaries places each row in its bucket.
 * - Grouping sets give a subtotal per bucket and dimension, and the detail per key for the grouping
 *   dimension $10 only (`gkey` is null on other rows, so their detail collapses into one group that is
 *   dropped). Model and tool subtotals add up to the bucket's total.
 */
export const ROLLUP = new Statement(`
WITH whole AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) AS w(lo, hi)),
     edge AS (SELECT * FROM unnest($4::timestamptz[], $5::timestamptz[]) AS e(lo, hi)),
     days AS (SELECT * FROM unnest($6::timestamptz[], $7::timestamptz[]) AS d(lo, hi)),
parts AS (
  SELECT width_bucket(d.day, $8::timestamptz[]) AS i, d.dimension AS dim, d.key, d.token_cost AS tc, d.compute_cost AS cc,
    d.input_tokens AS it, d.output_tokens AS ot, d.cache_creation_tokens AS cct, d.cache_read_tokens AS crt, d.calls, d.tool_calls AS tcalls,
    d.unpriced_calls AS unpriced
  FROM days w CROSS JOIN LATERAL (
    SELECT * FROM ${S}.daily_costs d
    WHERE d.workspace_id = $1 AND d.dimension = ANY($9::text[]) AND d.day >= w.lo AND d.day < w.hi OFFSET 0) d
  UNION ALL
  SELECT width_bucket(h.hour, $8::timestamptz[]), h.dimension, h.key, h.token_cost, h.compute_cost,
    h.input_tokens, h.output_tokens, h.cache_creation_tokens, h.cache_read_tokens, h.calls, h.tool_calls, h.unpriced_calls
  FROM whole w CROSS JOIN LATERAL (
    SELECT * FROM ${S}.hourly_costs h
    WHERE h.workspace_id = $1 AND h.dimension = ANY($9::text[]) AND h.hour >= w.lo AND h.hour < w.hi OFFSET 0) h
  UNION ALL
  SELECT width_bucket(f.occurred_at, $8::timestamptz[]), d.dim, d.key, COALESCE(f.token_cost, 0), f.compute_cost,
    f.input_tokens, f.output_tokens, f.cache_creation_tokens, f.cache_read_tokens, (f.event_type = 'TokenUsed')::int, (f.event_type = 'ToolCalled')::int,
    f.unpriced::int
  FROM edge e CROSS JOIN LATERAL (
    SELECT * FROM ${S}.priced_facts f
    WHERE f.workspace_id = $1 AND f.occurred_at >= e.lo AND f.occurred_at < e.hi AND f.event_type IN ('TokenUsed', 'ToolCalled') OFFSET 0) f
  CROSS JOIN LATERAL (VALUES
    (CASE WHEN f.event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END, COALESCE(f.model, f.tool_name)),
    ($10::text, CASE $10::text WHEN 'workflow' THEN f.workflow_id WHEN 'phase' THEN f.phase_id
      ${ROLLUP_MODIFIERS.map((m) => `WHEN '${m.field}' THEN f.${m.field}`).join(' ')} END)) AS d(dim, key)
  WHERE d.key IS NOT NULL
)
SELECT i, dim, CASE WHEN GROUPING(gkey) = 0 THEN gkey END AS key,
  trim_scale(sum(tc))::text AS token_cost, trim_scale(sum(cc))::text AS compute_cost, sum(it)::text AS input_tokens,
  sum(ot)::text AS output_tokens, sum(cct)::text AS cache_creation_tokens, sum(crt)::text AS cache_read_tokens,
  sum(calls)::text AS calls, sum(tcalls)::text AS tool_calls, sum(unpriced)::text AS unpriced_calls
FROM (SELECT parts.*, CASE WHEN dim = $10::text THEN key END AS gkey FROM parts) p
GROUP BY GROUPING SETS ((i, dim), (i, dim, gkey))
HAVING GROUPING(gkey) = 1 OR gkey IS NOT NULL`);

/** Parameters $2..$7 of both statements: the whole hours, the edges and the whole days, as `[lo]` and `[hi]` arrays. */
const spanParams = (plan: RangePlan) =>
  [plan.wholeHours, plan.edges, plan.wholeDays].flatMap((spans) => [spans.map((s) => pgInstant(s.lo)), spans.map((s) => pgInstant(s.hi))]);
const isEmpty = (plan: RangePlan) => !plan.wholeDays.length && !plan.wholeHours.length && !plan.edges.length;

/** Sums held while a bucket is assembled: money exact in big.js. */
interface Sums {
  tokenCost: Big;
  computeCost: Big;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  calls: number;
  toolCalls: number;
  unpricedCalls: number;
}

const toSums = (r: RollupRow): Sums => ({
  tokenCost: new Big(r.token_cost),
  computeCost: new Big(r.compute_cost),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  cacheCreationTokens: Number(r.cache_creation_tokens),
  cacheReadTokens: Number(r.cache_read_tokens),
  calls: Number(r.calls),
  toolCalls: Number(r.tool_calls),
  unpricedCalls: Number(r.unpriced_calls),
});

/** `a + sign × b`, field by field. */
const combine = (a: Sums, b: Sums, sign: 1 | -1): Sums => ({
  tokenCost: sign > 0 ? a.tokenCost.plus(b.tokenCost) : a.tokenCost.minus(b.tokenCost),
  computeCost: sign > 0 ? a.computeCost.plus(b.computeCost) : a.computeCost.minus(b.computeCost),
  inputTokens: a.inputTokens + sign * b.inputTokens,
  outputTokens: a.outputTokens + sign * b.outputTokens,
  cacheCreationTokens: a.cacheCreationTokens + sign * b.cacheCreationTokens,
  cacheReadTokens: a.cacheReadTokens + sign * b.cacheReadTokens,
  calls: a.calls + sign * b.calls,
  toolCalls: a.toolCalls + sign * b.toolCalls,
  unpricedCalls: a.unpricedCalls + sign * b.unpricedCalls,
});

const toFigures = (s: Sums): Figures => ({
  tokenCost: s.tokenCost.toFixed(),
  computeCost: s.computeCost.toFixed(),
  inputTokens: s.inputTokens,
  outputTokens: s.outputTokens,
  cacheCreationTokens: s.cacheCreationTokens,
  cacheReadTokens: s.cacheReadTokens,
  calls: s.calls,
  toolCalls: s.toolCalls,
  unpricedCalls: s.unpricedCalls,
});

const byKey = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/** Most expensive first; groups whose calls are all unpriced after the priced ones; then by key, null last. */
function byCostDesc(a: { key: string | null; figures: Figures; cost: Big }, b: { key: string | null; figures: Figures; cost: Big }): number {
  const ua = isUnpriced(a.figures);
  const ub = isUnpriced(b.figures);
  if (ua !== ub) return ua ? 1 : -1;
  return (ua ? 0 : b.cost.cmp(a.cost)) || byKey(a.key, b.key);
}

/** Exact figures per bucket of `plan`, optionally grouped by a dimension. */
export async function readRollup(pool: Pool, workspaceId: string, plan: RangePlan, groupBy?: GroupDimension): Promise<BucketFigures[]> {
  const n = plan.boundaries.length - 1;
  const buckets: BucketFigures[] = Array.from({ length: n }, () => ({ total: ZERO, groups: [] }));
  if (isEmpty(plan)) return buckets;
  const extra = groupBy && groupBy !== 'model' && groupBy !== 'tool' ? [groupBy] : [];
  const rows = await ROLLUP.rows<RollupRow>(pool, [
    workspaceId,
    ...spanParams(plan),
    plan.boundaries.map(pgInstant),
    ['model', 'tool', ...extra],
    groupBy ?? null,
  ]);
  const subtotals = Array.from({ length: n }, () => new Map<string, Sums>());
  const keyed: { key: string; sums: Sums }[][] = Array.from({ length: n }, () => []);
  for (const row of rows) {
    if (row.key === null) subtotals[row.i - 1].set(row.dim, toSums(row));
    else keyed[row.i - 1].push({ key: row.key, sums: toSums(row) });
  }
  subtotals.forEach((sub, i) => {
    const model = sub.get('model');
    const tool = sub.get('tool');
    const total = model && tool ? combine(model, tool, 1) : (model ?? tool);
    if (!total) return;
    buckets[i].total = toFigures(total);
    if (!groupBy) return;
    // The usage without a key of the grouping dimension: the bucket's total minus its keyed groups.
    const grouped = sub.get(groupBy);
    const rest = grouped ? combine(total, grouped, -1) : total;
    const groups = keyed[i].map((g) => ({ key: g.key as string | null, sums: g.sums }));
    if (rest.calls !== 0 || rest.toolCalls !== 0) groups.push({ key: remainderKey(groupBy), sums: rest });
    buckets[i].groups.push(
      ...groups
        .map((g) => ({ key: g.key, figures: toFigures(g.sums), cost: g.sums.tokenCost.plus(g.sums.computeCost) }))
        .sort(byCostDesc)
        .map(({ key, figures }) => ({ key, figures })),
    );
  });
  return buckets;
}

/**
 * Runs (execution ids) with usage in the range: whole-day and whole-hour `execution` rows ∪ edge calls, made
 * distinct by one hash. `OFFSET 0` keeps each LATERAL subquery a parameterised index scan without aggregating
 * inside it.
 */
export const RUNS = new Statement(`
WITH whole AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) AS w(lo, hi)),
     edge AS (SELECT * FROM unnest($4::timestamptz[], $5::timestamptz[]) AS e(lo, hi)),
     days AS (SELECT * FROM unnest($6::timestamptz[], $7::timestamptz[]) AS d(lo, hi))
SELECT count(*)::int AS runs FROM (
  SELECT r.key FROM days w CROSS JOIN LATERAL (
    SELECT d.key FROM ${S}.daily_costs d
    WHERE d.workspace_id = $1 AND d.dimension = 'execution' AND d.day >= w.lo AND d.day < w.hi OFFSET 0) r
  UNION
  SELECT r.key FROM whole w CROSS JOIN LATERAL (
    SELECT h.key FROM ${S}.hourly_costs h
    WHERE h.workspace_id = $1 AND h.dimension = 'execution' AND h.hour >= w.lo AND h.hour < w.hi OFFSET 0) r
  UNION
  SELECT r.key FROM edge e CROSS JOIN LATERAL (
    SELECT f.execution_id AS key FROM ${S}.cost_facts f
    WHERE f.workspace_id = $1 AND f.occurred_at >= e.lo AND f.occurred_at < e.hi
      AND f.execution_id IS NOT NULL AND f.event_type IN ('TokenUsed', 'ToolCalled') OFFSET 0) r) runs`);

export async function countRuns(pool: Pool, workspaceId: string, plan: RangePlan): Promise<number> {
  if (isEmpty(plan)) return 0;
  const rows = await RUNS.rows<{ runs: number }>(pool, [workspaceId, ...spanParams(plan)]);
  return rows[0].runs;
}
