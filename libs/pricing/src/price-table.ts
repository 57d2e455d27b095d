import type Big from 'big.js';
import type { CompiledOverride, CompiledRates, CompiledRow, PriceCatalog } from './price-catalog';
import { PriceModifiers, USAGE_CLASSES, UsageClassKey } from './price-dimensions';
import { resolveModel } from './model-resolution';

/** A model name as calls send it, with the provider they name ('' for none): what resolution starts from. */
export interface ModelName {
  readonly provider: string;
  readonly name: string;
}

/** A model name and the catalog model it resolves to (null: none, so its calls are unpriced). */
export interface ResolvedName extends ModelName {
  readonly model: string | null;
}

/**
 * One row of the compiled model price table: the rates that bill a call of `name` sent with `provider`
 * (as the call has them; `model` is the catalog model they resolve to) made in `[valid_from, valid_to)`
 * whose prompt is above `prompt_above` and at most `prompt_upto` (null: no upper bound). A band is the list price (`workspace_id` null) for every
 * workspace but those in `overridden_in`, or the negotiated price of workspace `workspace_id`.
 * Every class's rate is resolved (USAGE_CLASSES' fallbacks); null: that class is unpriced.
 */
export type ModelPriceBand = {
  readonly provider: string;
  readonly name: string;
  readonly model: string;
  readonly workspace_id: string | null;
  readonly overridden_in: readonly string[];
  readonly valid_from: string;
  readonly valid_to: string;
  readonly prompt_above: number;
  readonly prompt_upto: number | null;
  readonly price_ref: string;
  readonly modifiers: PriceModifiers | null;
} & { readonly [K in UsageClassKey]: string | null };

/** One row of the compiled tool price table: a compute price in force over `[valid_from, valid_to)`. */
export interface ToolPriceBand {
  readonly tool: string;
  readonly valid_from: string;
  readonly valid_to: string;
  readonly per_call: string;
  readonly per_second: string;
}

export interface PriceTable {
  readonly version: number;
  /** The names the table prices, each with its resolution: the read model's `model_names`. */
  readonly names: readonly ResolvedName[];
  readonly models: readonly ModelPriceBand[];
  readonly tools: readonly ToolPriceBand[];
}

/** PostgreSQL's spelling of an instant, infinities included. */
const pgInstant = (t: number) => (t === Infinity ? 'infinity' : t === -Infinity ? '-infinity' : new Date(t).toISOString());

interface Span {
  readonly from: number;
  readonly to: number;
}

/**
 * Cuts a time line at every boundary of `spans`, asks `pick` what is in force in each piece (by its
 * start), and merges neighbours for which it answers the same `key`.
 */
function segments<T>(spans: readonly Span[], pick: (at: number) => T | undefined, key: (t: T) => string): { from: number; to: number; value: T }[] {
  const cuts = [...new Set(spans.flatMap((r) => [r.from, r.to]).filter(Number.isFinite))].sort((a, b) => a - b);
  const edges = [-Infinity, ...cuts, Infinity];
  const out: { from: number; to: number; value: T; key: string }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const [from, to] = [edges[i], edges[i + 1]];
    const value = pick(from);
    if (value === undefined) continue;
    const k = key(value);
    const last = out[out.length - 1];
    if (last && last.key === k && last.to === from) last.to = to;
    else out.push({ from, to, value, key: k });
  }
  return out;
}

/** The first of `rows` (newest first, so the latest wins an overlap) in force at `at`. */
const inForce = <R extends Span>(rows: readonly R[] | undefined, at: number) => rows?.find((r) => r.from <= at && at < r.to);

const scaleRates = (rates: CompiledRates, k: Big): CompiledRates =>
  Object.fromEntries(Object.entries(rates).map(([c, r]) => [c, r === null ? null : r.times(k)])) as unknown as CompiledRates;

/** The list row times a negotiated multiplier: every rate and tier; its modifiers still apply. */
const scaled = (row: CompiledRow, k: Big, ref: string): CompiledRow => ({
  ref,
  from: row.from,
  to: row.to,
  rates: scaleRates(row.rates, k),
  tiers: row.tiers.map((t) => ({ above: t.above, ref: `${ref}>${t.above}`, rates: scaleRates(t.rates, k) })),
  modifiers: row.modifiers,
});

type BandTime = Pick<ModelPriceBand, 'workspace_id' | 'overridden_in' | 'valid_from' | 'valid_to'>;
type KeyBand = Omit<ModelPriceBand, 'provider' | 'name' | 'model'>;

/** A row's bands: its base rates up to its lowest tier, each tier up to the next. */
function rowBands(row: CompiledRow, at: BandTime): KeyBand[] {
  // Tiers come highest threshold first; an equal threshold later in the list is never chosen.
  const tiers = row.tiers.filter((t, i) => row.tiers.findIndex((u) => u.above === t.above) === i).reverse();
  const bands = [{ above: -1, ref: row.ref, rates: row.rates }, ...tiers];
  return bands.map((band, i) => ({
    ...at,
    prompt_above: band.above,
    prompt_upto: i + 1 < bands.length ? bands[i + 1].above : null,
    price_ref: band.ref,
    modifiers: row.modifiers,
    ...(Object.fromEntries(USAGE_CLASSES.map((c) => [c.key, band.rates[c.key]?.toFixed() ?? null])) as Record<UsageClassKey, string | null>),
  }));
}

/** The bands of catalog model `model` (its rows and the overrides set on it or on its aliases), memoised per catalog. */
const bandsOfModel = (() => {
  const memo = new WeakMap<PriceCatalog, Map<string, readonly KeyBand[]>>();
  return (catalog: PriceCatalog, model: string): readonly KeyBand[] => {
    let byModel = memo.get(catalog);
    if (!byModel) memo.set(catalog, (byModel = new Map()));
    let bands = byModel.get(model);
    if (!bands) byModel.set(model, (bands = compileModel(catalog, model)));
    return bands;
  };
})();

function compileModel(catalog: PriceCatalog, model: string): KeyBand[] {
  const everyModel = catalog.overridesByModel.get('*') ?? [];
  const rows = catalog.byModel.get(model) ?? [];
  const aliases = catalog.rows.filter((r) => r.model === model).flatMap((r) => r.aliases ?? []);
  // Newest first across the model and its aliases, so the latest override wins an overlap whichever name it was set on.
  const own = [model, ...aliases].flatMap((m) => catalog.overridesByModel.get(m) ?? []).sort((a, b) => b.from - a.from);
  const workspaces = [...new Set([...own, ...everyModel].map((o) => o.workspace))].sort();
  const overrideAt = (w: string, at: number) => inForce(own.filter((o) => o.workspace === w), at) ?? inForce(everyModel.filter((o) => o.workspace === w), at);
  const pick = (at: number) => {
    const list = inForce(rows, at);
    const overrides = workspaces.map((w) => [w, overrideAt(w, at)] as const).filter((e): e is readonly [string, CompiledOverride] => e[1] !== undefined);
    return list || overrides.length ? { list, overrides } : undefined;
  };
  const key = (v: NonNullable<ReturnType<typeof pick>>) =>
    JSON.stringify([v.list?.ref ?? null, v.overrides.map(([w, o]) => [w, o.from, o.row?.ref ?? null, o.multiplier?.toFixed() ?? null])]);
  const bands: KeyBand[] = [];
  for (const { from, to, value } of segments([...rows, ...own, ...everyModel], pick, key)) {
    const time = { valid_from: pgInstant(from), valid_to: pgInstant(to) };
    if (value.list) bands.push(...rowBands(value.list, { ...time, workspace_id: null, overridden_in: value.overrides.map(([w]) => w) }));
    for (const [w, o] of value.overrides) {
      const row = o.row ?? (value.list && o.multiplier ? scaled(value.list, o.multiplier, `${value.list.ref}*${o.multiplier.toFixed()}:${w}`) : undefined);
      if (row) bands.push(...rowBands(row, { ...time, workspace_id: w, overridden_in: [] }));
    }
  }
  return bands;
}

/**
 * Compiles the catalog into disjoint price bands for the model names `names`, the form the projection joins
 * usage against in SQL: each name is resolved (resolveModel), and gets the bands of the model it resolves
 * to. For any call, at most one band matches its provider, name, workspace, instant and prompt size, and it
 * is the price the catalog's rules choose (the workspace's override of that model, else its `*` override,
 * else the list row in force at `occurred_at`; then the highest tier whose threshold the prompt exceeds).
 * The rules live here, once; SQL only looks a band up and multiplies.
 */
export function compilePriceTable(catalog: PriceCatalog, names: readonly ModelName[]): PriceTable {
  const resolved = names.map((n) => ({ provider: n.provider, name: n.name, model: resolveModel(catalog, n.provider || null, n.name) }));
  const models = resolved.flatMap((n) => (n.model === null ? [] : bandsOfModel(catalog, n.model).map((b) => ({ provider: n.provider, name: n.name, model: n.model!, ...b }))));
  const tools: ToolPriceBand[] = [];
  for (const [tool, rows] of catalog.byTool) {
    for (const { from, to, value } of segments(rows, (at) => inForce(rows, at), (r) => `${r.from}`)) {
      tools.push({ tool, valid_from: pgInstant(from), valid_to: pgInstant(to), per_call: value.perCall.toFixed(), per_second: value.perSecond.toFixed() });
    }
  }
  return { version: catalog.version, names: resolved, models, tools };
}
