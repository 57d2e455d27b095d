import Big from 'big.js';
import catalog from '../../libs/pricing/src/default-catalog.json';

/**
 * An independent re-implementation of the catalog's pricing, so that the smoke
 * check compares the service's totals with figures it did not compute itself.
 * Cost is linear in tokens for one rate set, so tokens are summed per rate set
 * and multiplied once at the end: exact, and cheap for millions of calls.
 */
interface RateSet {
  readonly input: Big;
  readonly output: Big;
  readonly cacheCreation: Big;
  readonly cacheRead: Big;
}

interface CatalogRates {
  readonly input: string;
  readonly output: string;
  readonly cache_creation: string;
  readonly cache_read: string;
}

interface Row {
  readonly names: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly rates: RateSet;
  readonly tiers: readonly { readonly above: number; readonly rates: RateSet }[];
}

const toRates = (r: CatalogRates): RateSet => ({
  input: new Big(r.input),
  output: new Big(r.output),
  cacheCreation: new Big(r.cache_creation),
  cacheRead: new Big(r.cache_read),
});

const ROWS: readonly Row[] = catalog.rows.map((r) => ({
  names: [r.model, ...((r as { aliases?: string[] }).aliases ?? [])],
  from: Date.parse(r.effective_from),
  to: (r as { effective_to?: string }).effective_to ? Date.parse((r as { effective_to: string }).effective_to) : Infinity,
  rates: toRates(r.rates),
  // Highest threshold first, so the first tier a prompt exceeds is the one that applies.
  tiers: ((r as { tiers?: { above_prompt_tokens: number; rates: CatalogRates }[] }).tiers ?? [])
    .map((t) => ({ above: t.above_prompt_tokens, rates: toRates(t.rates) }))
    .sort((a, b) => b.above - a.above),
}));

/** The models the catalog prices, each once. */
export const PRICED_MODELS: readonly string[] = [...new Set(catalog.rows.map((r) => r.model))];

export interface TokenCounts {
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

const PER_MILLION = new Big('0.000001');

/** Accumulates priced calls; `cost()` multiplies once per rate set. */
export class CostAccumulator {
  private readonly sums = new Map<RateSet, TokenCounts>();

  /** Returns false (and records nothing) when no row prices the call: unpriced, never $0. */
  add(model: string, occurredAtMs: number, tokens: TokenCounts): boolean {
    const row = ROWS.find((r) => r.names.includes(model) && r.from <= occurredAtMs && occurredAtMs < r.to);
    if (!row) return false;
    const prompt = tokens.input + tokens.cacheCreation + tokens.cacheRead;
    // The tier bills every class of the call, not just the part above the threshold.
    const tier = row.tiers.find((t) => prompt > t.above);
    const rates = tier?.rates ?? row.rates;
    const sum = this.sums.get(rates) ?? { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };
    sum.input += tokens.input;
    sum.output += tokens.output;
    sum.cacheCreation += tokens.cacheCreation;
    sum.cacheRead += tokens.cacheRead;
    this.sums.set(rates, sum);
    return true;
  }

  cost(): Big {
    let total = new Big(0);
    for (const [r, t] of this.sums) {
      total = total.plus(
        r.input.times(t.input).plus(r.output.times(t.output)).plus(r.cacheCreation.times(t.cacheCreation)).plus(r.cacheRead.times(t.cacheRead)),
      );
    }
    return total.times(PER_MILLION);
  }
}
