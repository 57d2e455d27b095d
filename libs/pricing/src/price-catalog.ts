import Big from 'big.js';
import type { CatalogState, ToolPriceRow } from './pricing-events';

/** The four token classes a `TokenUsed` event carries. Rates are USD per 1,000,000 tokens. */
export interface TokenRates {
  readonly input: string;
  readonly output: string;
  readonly cache_creation: string;
  readonly cache_read: string;
}

/**
 * A long-context tier: when a call's prompt (input + cache_creation + cache_read)
 * exceeds `above_prompt_tokens`, every token class of that call is billed at
 * these rates. The tier is not marginal.
 */
export interface PriceTier {
  readonly above_prompt_tokens: number;
  readonly rates: TokenRates;
}

/** One effective-dated price of a model. `effective_to` is exclusive. */
export interface PriceRow {
  readonly model: string;
  readonly aliases?: readonly string[];
  readonly effective_from: string;
  readonly effective_to?: string | null;
  readonly rates: TokenRates;
  readonly tiers?: readonly PriceTier[];
}

interface CompiledRates {
  readonly input: Big;
  readonly output: Big;
  readonly cacheCreation: Big;
  readonly cacheRead: Big;
}

interface CompiledRow {
  readonly ref: string;
  readonly from: number;
  readonly to: number;
  readonly rates: CompiledRates;
  /** Highest threshold first. */
  readonly tiers: readonly { readonly above: number; readonly ref: string; readonly rates: CompiledRates }[];
}

interface CompiledToolRow {
  readonly from: number;
  readonly to: number;
  readonly perCall: Big;
  readonly perSecond: Big;
}

/** The catalog as known at one version: rows by model and alias, and by tool, newest first. */
export interface PriceCatalog {
  readonly version: number;
  readonly rows: readonly PriceRow[];
  readonly tools: readonly ToolPriceRow[];
  readonly byModel: ReadonlyMap<string, readonly CompiledRow[]>;
  readonly byTool: ReadonlyMap<string, readonly CompiledToolRow[]>;
}

const compileRates = (r: TokenRates): CompiledRates => ({
  input: new Big(r.input),
  output: new Big(r.output),
  cacheCreation: new Big(r.cache_creation),
  cacheRead: new Big(r.cache_read),
});

/** A stable name for the row (and tier) that priced a call, kept on each fact for audit. */
export const priceRef = (row: PriceRow): string => `${row.model}@${row.effective_from}`;

const instant = (iso: string | null | undefined, open: number) => (iso ? Date.parse(iso) : open);

export function buildCatalog(rows: readonly PriceRow[], version: number, tools: readonly ToolPriceRow[] = []): PriceCatalog {
  const byTool = new Map<string, CompiledToolRow[]>();
  for (const t of tools) {
    const list = byTool.get(t.tool) ?? [];
    list.push({ from: instant(t.effective_from, 0), to: instant(t.effective_to, Infinity), perCall: new Big(t.per_call_usd), perSecond: new Big(t.per_second_usd) });
    byTool.set(t.tool, list);
  }
  for (const list of byTool.values()) list.sort((a, b) => b.from - a.from);
  const byModel = new Map<string, CompiledRow[]>();
  for (const row of rows) {
    const ref = priceRef(row);
    const compiled: CompiledRow = {
      ref,
      from: Date.parse(row.effective_from),
      to: row.effective_to ? Date.parse(row.effective_to) : Number.POSITIVE_INFINITY,
      rates: compileRates(row.rates),
      tiers: [...(row.tiers ?? [])]
        .sort((a, b) => b.above_prompt_tokens - a.above_prompt_tokens)
        .map((t) => ({ above: t.above_prompt_tokens, ref: `${ref}>${t.above_prompt_tokens}`, rates: compileRates(t.rates) })),
    };
    for (const name of [row.model, ...(row.aliases ?? [])]) {
      const list = byModel.get(name) ?? [];
      list.push(compiled);
      byModel.set(name, list);
    }
  }
  for (const list of byModel.values()) list.sort((a, b) => b.from - a.from);
  return { version, rows, tools, byModel, byTool };
}

export const catalogFromState = (state: CatalogState): PriceCatalog => buildCatalog(state.models, state.version, state.tools);
