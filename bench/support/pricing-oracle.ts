import Big from 'big.js';
import { SHIPPED_CATALOG } from '../../libs/pricing/src/default-catalog';
import { resolveModel, type CatalogProvider, type ResolutionCatalog } from '../../libs/pricing/src/model-resolution';
import { buildCatalog, type PriceRow } from '../../libs/pricing/src/price-catalog';
import { PRICE_MODIFIERS, USAGE_CLASSES, UsageClass } from '../../libs/pricing/src/price-dimensions';

/**
 * An independent re-implementation of the catalog's pricing (ADR 0021), so that the smoke check compares
 * the service's totals with figures it did not compute itself. It reads the catalog file's rows, not the
 * service's compiled bands, and shares with the service only the class and modifier descriptions of
 * `price-dimensions` and model-name resolution (ADR 0022: `resolveModel`, over the names the service's
 * catalog knows as written): which model a (provider, name) means is the service's rule, what it costs is
 * the oracle's own arithmetic. Each distinct pair is resolved once. Cost is linear in units for one rate set
 * and one modifier product, so billed units are summed per (rate set, modifier product) and multiplied once
 * at the end: exact, and cheap for millions of calls.
 */

/** A price row as the catalog's JSON writes it. */
export interface CatalogRow {
  readonly model: string;
  readonly provider?: string;
  readonly aliases?: readonly string[];
  readonly effective_from: string;
  readonly effective_to?: string | null;
  readonly rates: Readonly<Record<string, string>>;
  readonly tiers?: readonly { readonly above_prompt_tokens: number; readonly rates: Readonly<Record<string, string>> }[];
  readonly modifiers?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One call's units (by event field; absent: 0) and how it was served (by modifier field; absent: the default). */
export type PricedCall = Readonly<Record<string, unknown>>;

/** `partial`: a class the rate set leaves unpriced was used; its token cost is kept, the call counts as unpriced. */
export type CallPricing = 'priced' | 'partial' | 'unpriced';

const CLASSES: readonly UsageClass[] = USAGE_CLASSES;
const FIELDS = CLASSES.map((c) => c.field);
/** Index of each class's parent (the subset rule), -1 for none. */
const PARENT = CLASSES.map((c) => (c.partOf ? CLASSES.findIndex((p) => p.key === c.partOf) : -1));
const IN_PROMPT = CLASSES.map((c) => c.inPrompt);
const MODIFIED = CLASSES.map((c) => c.modified);

/** USD per single unit of each class (rate ÷ `per`); null: unpriced in this rate set. */
interface RateSet {
  readonly unit: readonly (Big | null)[];
}

interface Group {
  readonly rates: RateSet;
  readonly product: Big;
  /** Billed units per class: a parent's units net of its subsets'. */
  readonly units: Float64Array;
}

export interface OracleRow {
  readonly from: number;
  readonly to: number;
  readonly rates: RateSet;
  /** Highest threshold first, so the first tier a prompt exceeds is the one that applies. */
  readonly tiers: readonly { readonly above: number; readonly rates: RateSet }[];
  readonly modifiers: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Modifier product by the call's values (joined), as a Big and as the string that keys its group. */
  readonly products: Map<string, { readonly product: Big; readonly key: string }>;
  /** The classes every rate set of the row prices (its tiers included), by key. */
  readonly priced: ReadonlySet<string>;
}

/** The catalog model a call's (provider, name) resolves to (null: none, so unpriced) and that model's rows. */
export interface OracleResolution {
  readonly model: string | null;
  readonly rows: readonly OracleRow[];
}

/** A catalog for the oracle: each distinct (provider, name) resolved once, then priced from the resolved model's rows. */
export interface OracleCatalog {
  resolve(provider: string | null, name: string): OracleResolution;
}

function rateSet(given: Readonly<Record<string, string>>, where: string): RateSet {
  return {
    unit: CLASSES.map((c) => {
      const rule = c.whenMissing;
      const rate = given[c.key] ?? (typeof rule === 'object' ? given[rule.rateOf] : undefined);
      if (rate === undefined && rule === 'required') throw new Error(`${where}: no ${c.key} rate`);
      return rate === undefined ? null : new Big(rate).div(c.per);
    }),
  };
}

function oracleRow(r: CatalogRow): OracleRow {
  const where = `${r.model} from ${r.effective_from}`;
  return {
    from: Date.parse(r.effective_from),
    to: r.effective_to ? Date.parse(r.effective_to) : Infinity,
    rates: rateSet(r.rates, where),
    tiers: (r.tiers ?? []).map((t) => ({ above: t.above_prompt_tokens, rates: rateSet(t.rates, `${where}, tier ${t.above_prompt_tokens}`) })).sort((a, b) => b.above - a.above),
    modifiers: r.modifiers ?? {},
    products: new Map(),
    priced: new Set(CLASSES.filter((_, i) => [r.rates, ...(r.tiers ?? []).map((t) => t.rates)].every((set) => rateSet(set, where).unit[i] !== null)).map((c) => c.key)),
  };
}

/**
 * Compiles a catalog's rows for the oracle (rate fallbacks resolved per rate set, the row's or a tier's), lazily:
 * only the rows of models some call resolves to, so the 1,500-model catalog costs what the few models used cost.
 */
export function oracleCatalog(rows: readonly CatalogRow[], providers: readonly CatalogProvider[] = []): OracleCatalog {
  const rowsByModel = new Map<string, CatalogRow[]>();
  for (const r of rows) rowsByModel.set(r.model, [...(rowsByModel.get(r.model) ?? []), r]);
  // The service's own notion of a name known as written (rows, aliases); the compiled rates it also builds are not read.
  const resolution: ResolutionCatalog = buildCatalog(rows as unknown as readonly PriceRow[], 0, [], [], providers);
  const compiled = new Map<string, readonly OracleRow[]>();
  const pairs = new Map<string, OracleResolution>();
  const rowsOf = (model: string) => {
    let found = compiled.get(model);
    if (!found) compiled.set(model, (found = (rowsByModel.get(model) ?? []).map(oracleRow)));
    return found;
  };
  return {
    resolve(provider, name) {
      const key = `${provider ?? ''}\u0001${name}`;
      let found = pairs.get(key);
      if (!found) {
        const model = resolveModel(resolution, provider || null, name);
        pairs.set(key, (found = { model, rows: model === null ? [] : rowsOf(model) }));
      }
      return found;
    },
  };
}

// The JSON's inferred type gives keys some rows lack as `undefined`; `oracleRow` checks what it reads.
export const SHIPPED: OracleCatalog = oracleCatalog(SHIPPED_CATALOG.rows as unknown as readonly CatalogRow[], SHIPPED_CATALOG.providers);

/** The row that prices a call of `name` sent with `provider` at `atMs`, if any. */
export function rowAt(provider: string | null, name: string, atMs: number, catalog: OracleCatalog = SHIPPED): OracleRow | undefined {
  return catalog.resolve(provider, name).rows.find((r) => r.from <= atMs && atMs < r.to);
}

const modifierValue = (call: PricedCall, field: string, fallback: string) => {
  const v = call[field];
  return typeof v === 'string' ? v : fallback;
};

/** The product of the row's multipliers for the call's values; a value the row does not list is 1×. Memoised per row. */
function productOf(row: OracleRow, call: PricedCall): { product: Big; key: string } {
  const values = PRICE_MODIFIERS.map((m) => modifierValue(call, m.field, m.default));
  const memo = values.join('\u0001');
  let found = row.products.get(memo);
  if (!found) {
    const product = PRICE_MODIFIERS.reduce((p, m, i) => {
      const multiplier = row.modifiers[m.field]?.[values[i]];
      return multiplier === undefined ? p : p.times(multiplier);
    }, new Big(1));
    found = { product, key: product.toFixed() };
    row.products.set(memo, found);
  }
  return found;
}

const providerOf = (call: PricedCall) => (typeof call.provider === 'string' ? call.provider : null);
const count = (v: unknown) => (typeof v === 'number' ? v : 0);

/** Accumulates priced calls; `cost()` multiplies once per (rate set, modifier product). */
export class CostAccumulator {
  private readonly groups = new Map<RateSet, Map<string, Group>>();

  constructor(private readonly catalog: OracleCatalog = SHIPPED) {}

  /**
   * `model` as the call names it, resolved within the call's `provider` field if it has one. `unpriced`: the
   * name resolves to no model, or no row of it prices that instant; nothing is recorded (never $0).
   */
  add(model: string, occurredAtMs: number, call: PricedCall): CallPricing {
    const row = rowAt(providerOf(call), model, occurredAtMs, this.catalog);
    if (!row) return 'unpriced';
    const units = FIELDS.map((f) => count(call[f]));
    let prompt = 0;
    for (let i = 0; i < units.length; i++) if (IN_PROMPT[i]) prompt += units[i];
    // The tier bills every class of the call, not just the part above the threshold.
    const rates = row.tiers.find((t) => prompt > t.above)?.rates ?? row.rates;
    // The subset rule: a subset's units leave its parent's and are billed at the subset's own rate.
    const billed = units.slice();
    for (let i = 0; i < units.length; i++) {
      if (PARENT[i] < 0) continue;
      billed[PARENT[i]] -= units[i];
      if (billed[PARENT[i]] < 0) throw new Error(`${FIELDS[i]} ${units[i]} exceeds ${FIELDS[PARENT[i]]} ${units[PARENT[i]]}`);
    }
    const { product, key } = productOf(row, call);
    let byProduct = this.groups.get(rates);
    if (!byProduct) this.groups.set(rates, (byProduct = new Map()));
    let group = byProduct.get(key);
    if (!group) byProduct.set(key, (group = { rates, product, units: new Float64Array(CLASSES.length) }));
    let pricing: CallPricing = 'priced';
    for (let i = 0; i < billed.length; i++) {
      if (billed[i] === 0) continue;
      if (rates.unit[i] === null) pricing = 'partial';
      else group.units[i] += billed[i];
    }
    return pricing;
  }

  cost(): Big {
    let total = new Big(0);
    for (const byProduct of this.groups.values()) {
      for (const g of byProduct.values()) {
        let tokens = new Big(0);
        let fees = new Big(0);
        g.units.forEach((n, i) => {
          const unit = g.rates.unit[i];
          if (n === 0 || unit === null) return;
          if (MODIFIED[i]) tokens = tokens.plus(unit.times(n));
          else fees = fees.plus(unit.times(n));
        });
        // Modifiers multiply the token cost only; per-request fees are billed as listed.
        total = total.plus(tokens.times(g.product)).plus(fees);
      }
    }
    return total;
  }
}

/** The exact cost of one call, and whether it is priced. */
export function priceCall(model: string, occurredAtMs: number, call: PricedCall, catalog: OracleCatalog = SHIPPED): { pricing: CallPricing; cost: Big } {
  const acc = new CostAccumulator(catalog);
  const pricing = acc.add(model, occurredAtMs, call);
  return { pricing, cost: acc.cost() };
}
