import Big from 'big.js';
import type { CatalogState, ToolPriceRow } from './pricing-events';
import { PriceModifiers, USAGE_CLASSES, UsageClassKey, UsageRates } from './price-dimensions';
import type { CatalogProvider, ResolutionCatalog } from './model-resolution';

/**
 * A long-context tier: when a call's prompt (the `inPrompt` classes) exceeds `above_prompt_tokens`,
 * every class of that call is billed at these rates. The tier is not marginal.
 */
export interface PriceTier {
  readonly above_prompt_tokens: number;
  readonly rates: UsageRates;
}

/**
 * One effective-dated list price of a model. `effective_to` is exclusive. A row imported from a catalog file
 * names its `provider`, and its model is provider-qualified (`anthropic/claude-sonnet-4-5`): the same model
 * id can have other prices at another provider. The operator's own rows have no provider.
 */
export interface PriceRow {
  readonly model: string;
  readonly provider?: string;
  readonly aliases?: readonly string[];
  readonly effective_from: string;
  readonly effective_to?: string | null;
  readonly rates: UsageRates;
  readonly tiers?: readonly PriceTier[];
  readonly modifiers?: PriceModifiers;
}

/**
 * A price negotiated by one workspace for one model (`*`: every model the catalog prices), effective-dated.
 * Either full `rates` (with its own tiers and modifiers; nothing is inherited from the list) or a
 * `multiplier` of the list row in force (all of its rates and tiers; its modifiers still apply).
 */
export interface WorkspacePriceRow {
  readonly workspace_id: string;
  readonly model: string;
  readonly effective_from: string;
  readonly effective_to?: string | null;
  readonly rates?: UsageRates;
  readonly tiers?: readonly PriceTier[];
  readonly modifiers?: PriceModifiers;
  readonly multiplier?: string;
}

/** Every class's rate, fallbacks resolved (`whenMissing`); null: the class is unpriced in this rate set. */
export type CompiledRates = Readonly<Record<UsageClassKey, Big | null>>;

export interface CompiledRow {
  readonly ref: string;
  readonly from: number;
  readonly to: number;
  readonly rates: CompiledRates;
  /** Highest threshold first. */
  readonly tiers: readonly { readonly above: number; readonly ref: string; readonly rates: CompiledRates }[];
  readonly modifiers: PriceModifiers | null;
}

export interface CompiledOverride {
  readonly workspace: string;
  readonly from: number;
  readonly to: number;
  /** A full price of the workspace's own, or null: the list row times `multiplier`. */
  readonly row: CompiledRow | null;
  readonly multiplier: Big | null;
}

interface CompiledToolRow {
  readonly from: number;
  readonly to: number;
  readonly perCall: Big;
  readonly perSecond: Big;
}

/** The catalog as known at one version: rows by model (an alias resolves to its model), by tool, and overrides by model, newest first. */
export interface PriceCatalog extends ResolutionCatalog {
  readonly version: number;
  readonly rows: readonly PriceRow[];
  readonly tools: readonly ToolPriceRow[];
  readonly overrides: readonly WorkspacePriceRow[];
  readonly byModel: ReadonlyMap<string, readonly CompiledRow[]>;
  readonly byTool: ReadonlyMap<string, readonly CompiledToolRow[]>;
  /** By model name (or `*`); a model's overrides also price its aliases. */
  readonly overridesByModel: ReadonlyMap<string, readonly CompiledOverride[]>;
}

/** The rate of each class in `r`, or what its `whenMissing` rule makes it. */
export function compileRates(r: UsageRates): CompiledRates {
  const given = r as Readonly<Record<string, string | undefined>>;
  const out = {} as Record<UsageClassKey, Big | null>;
  for (const cls of USAGE_CLASSES) {
    const rule = cls.whenMissing as (typeof USAGE_CLASSES)[number]['whenMissing'];
    const rate = given[cls.key] ?? (typeof rule === 'object' ? given[rule.rateOf] : undefined);
    out[cls.key] = rate === undefined ? null : new Big(rate);
  }
  return out;
}

/** A stable name for the row (and tier) that priced a call, kept on each fact for audit. */
export const priceRef = (row: PriceRow): string => `${row.model}@${row.effective_from}`;

const instant = (iso: string | null | undefined, open: number) => (iso ? Date.parse(iso) : open);

function compileRow(ref: string, row: Pick<PriceRow, 'effective_from' | 'effective_to' | 'rates' | 'tiers' | 'modifiers'>): CompiledRow {
  return {
    ref,
    from: Date.parse(row.effective_from),
    to: instant(row.effective_to, Number.POSITIVE_INFINITY),
    rates: compileRates(row.rates),
    tiers: [...(row.tiers ?? [])]
      .sort((a, b) => b.above_prompt_tokens - a.above_prompt_tokens)
      .map((t) => ({ above: t.above_prompt_tokens, ref: `${ref}>${t.above_prompt_tokens}`, rates: compileRates(t.rates) })),
    modifiers: row.modifiers && Object.keys(row.modifiers).length ? row.modifiers : null,
  };
}

const newestFirst = <T extends { readonly from: number }>(map: Map<string, T[]>) => {
  for (const list of map.values()) list.sort((a, b) => b.from - a.from);
};
const push = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);

export function buildCatalog(
  rows: readonly PriceRow[],
  version: number,
  tools: readonly ToolPriceRow[] = [],
  overrides: readonly WorkspacePriceRow[] = [],
  providers: readonly CatalogProvider[] = [],
): PriceCatalog {
  const byTool = new Map<string, CompiledToolRow[]>();
  for (const t of tools) {
    push(byTool, t.tool, { from: instant(t.effective_from, 0), to: instant(t.effective_to, Infinity), perCall: new Big(t.per_call_usd), perSecond: new Big(t.per_second_usd) });
  }
  const byModel = new Map<string, CompiledRow[]>();
  for (const row of rows) {
    const compiled = compileRow(priceRef(row), row);
    push(byModel, row.model, compiled);
  }
  const overridesByModel = new Map<string, CompiledOverride[]>();
  for (const o of overrides) {
    const ref = `${o.workspace_id}:${o.model}@${o.effective_from}`;
    push(overridesByModel, o.model, {
      workspace: o.workspace_id,
      from: Date.parse(o.effective_from),
      to: instant(o.effective_to, Number.POSITIVE_INFINITY),
      row: o.rates ? compileRow(ref, { ...o, rates: o.rates }) : null,
      multiplier: o.multiplier !== undefined ? new Big(o.multiplier) : null,
    });
  }
  newestFirst(byTool);
  newestFirst(byModel);
  newestFirst(overridesByModel);
  const exactNames = new Map<string, string>();
  const qualifiedModels = new Set<string>();
  for (const row of rows) {
    if (row.provider) qualifiedModels.add(row.model);
    else exactNames.set(row.model, row.model);
  }
  for (const row of rows) for (const alias of row.aliases ?? []) if (!exactNames.has(alias)) exactNames.set(alias, row.model);
  for (const name of overridesByModel.keys()) if (name !== '*' && !exactNames.has(name)) exactNames.set(name, name);
  return { version, rows, tools, overrides, byModel, byTool, overridesByModel, providers, exactNames, qualifiedModels };
}

export const catalogFromState = (state: CatalogState): PriceCatalog =>
  buildCatalog(state.models, state.version, state.tools, state.overrides ?? [], state.providers ?? []);
