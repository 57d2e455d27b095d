import type { PriceCatalog } from './price-catalog';

/**
 * One row of the compiled model price table: the rates that bill a call of
 * `name` (a model or an alias) made in `[valid_from, valid_to)` whose prompt
 * (input + cache_creation + cache_read) is above `prompt_above` and at most
 * `prompt_upto` (null: no upper bound). Rates are USD per 1,000,000 tokens.
 */
export interface ModelPriceBand {
  readonly name: string;
  readonly valid_from: string;
  readonly valid_to: string;
  readonly prompt_above: number;
  readonly prompt_upto: number | null;
  readonly price_ref: string;
  readonly input: string;
  readonly output: string;
  readonly cache_creation: string;
  readonly cache_read: string;
}

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
  readonly models: readonly ModelPriceBand[];
  readonly tools: readonly ToolPriceBand[];
}

/** PostgreSQL's spelling of an instant, infinities included. */
const pgInstant = (t: number) => (t === Infinity ? 'infinity' : t === -Infinity ? '-infinity' : new Date(t).toISOString());

/**
 * Cuts a name's time line at every boundary of its rows, keeps the row in force
 * in each piece (the first of `rows` covering it: they come newest `from` first,
 * so the latest row wins an overlap) and merges neighbours priced by the same row.
 */
function segments<R extends { readonly from: number; readonly to: number }>(rows: readonly R[]): { from: number; to: number; row: R }[] {
  const cuts = [...new Set(rows.flatMap((r) => [r.from, r.to]).filter(Number.isFinite))].sort((a, b) => a - b);
  const edges = [-Infinity, ...cuts, Infinity];
  const out: { from: number; to: number; row: R }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const [from, to] = [edges[i], edges[i + 1]];
    const row = rows.find((r) => r.from <= from && from < r.to);
    if (!row) continue;
    const last = out[out.length - 1];
    if (last && last.row === row && last.to === from) last.to = to;
    else out.push({ from, to, row });
  }
  return out;
}

/**
 * Compiles the catalog into disjoint price bands, the form the projection joins
 * usage against in SQL: for any call, at most one band matches its name, instant
 * and prompt size, and it is the row and tier the catalog's rules choose (the
 * row in force at `occurred_at`, the highest tier whose threshold the prompt
 * exceeds). The rules live here, once; SQL only looks a band up and multiplies.
 */
export function compilePriceTable(catalog: PriceCatalog): PriceTable {
  const models: ModelPriceBand[] = [];
  for (const [name, rows] of catalog.byModel) {
    for (const { from, to, row } of segments(rows)) {
      // Tiers come highest threshold first; an equal threshold later in the list is never chosen.
      const tiers = row.tiers.filter((t, i) => row.tiers.findIndex((u) => u.above === t.above) === i).reverse();
      const bands = [{ above: -1, ref: row.ref, rates: row.rates }, ...tiers];
      bands.forEach((band, i) =>
        models.push({
          name,
          valid_from: pgInstant(from),
          valid_to: pgInstant(to),
          prompt_above: band.above,
          prompt_upto: i + 1 < bands.length ? bands[i + 1].above : null,
          price_ref: band.ref,
          input: band.rates.input.toFixed(),
          output: band.rates.output.toFixed(),
          cache_creation: band.rates.cacheCreation.toFixed(),
          cache_read: band.rates.cacheRead.toFixed(),
        }),
      );
    }
  }
  const tools: ToolPriceBand[] = [];
  for (const [tool, rows] of catalog.byTool) {
    for (const { from, to, row } of segments(rows)) {
      tools.push({ tool, valid_from: pgInstant(from), valid_to: pgInstant(to), per_call: row.perCall.toFixed(), per_second: row.perSecond.toFixed() });
    }
  }
  return { version: catalog.version, models, tools };
}
