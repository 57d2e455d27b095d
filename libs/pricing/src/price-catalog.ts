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

export interface TokenCounts {
  readonly input: number;
  readonly output: number;
  readonly cacheCreation: number;
  readonly cacheRead: number;
}

export interface PricedUsage {
  /** USD, exact. */
  readonly cost: Big;
  /** Which row and tier priced it. */
  readonly priceRef: string;
}

const PER_TOKEN = new Big('0.000001');

/**
 * The cost of one call: the row in force at `occurredAt` (ms since epoch), the
 * tier chosen by the call's prompt size. Undefined means unpriced: no row covers
 * the model at that instant, and no cost is invented.
 */
export function priceUsage(catalog: PriceCatalog, model: string, occurredAt: number, tokens: TokenCounts): PricedUsage | undefined {
  const rows = catalog.byModel.get(model);
  const row = rows?.find((r) => r.from <= occurredAt && occurredAt < r.to);
  if (!row) return undefined;
  const prompt = tokens.input + tokens.cacheCreation + tokens.cacheRead;
  const tier = row.tiers.find((t) => prompt > t.above);
  const rates = tier?.rates ?? row.rates;
  const cost = rates.input
    .times(tokens.input)
    .plus(rates.output.times(tokens.output))
    .plus(rates.cacheCreation.times(tokens.cacheCreation))
    .plus(rates.cacheRead.times(tokens.cacheRead))
    .times(PER_TOKEN);
  return { cost, priceRef: tier?.ref ?? row.ref };
}

const SECONDS_PER_MS = new Big('0.001');

/**
 * The compute cost of a tool call whose runtime reported none: the tool's
 * per-call rate plus its per-second rate times `duration_ms`. Undefined when no
 * compute price covers the tool at that instant.
 */
export function priceToolCall(catalog: PriceCatalog, tool: string, occurredAt: number, durationMs: number | null): Big | undefined {
  const row = catalog.byTool.get(tool)?.find((r) => r.from <= occurredAt && occurredAt < r.to);
  if (!row) return undefined;
  return row.perCall.plus(row.perSecond.times(durationMs ?? 0).times(SECONDS_PER_MS));
}

/** Decimal places kept when a call's cost is split across tools by token share. */
export const ATTRIBUTION_DP = 18;

/** big.js rounds a quotient once, from its remainder, so the division itself gives the exact half-even result. */
const Attribution = Big();
Attribution.DP = ATTRIBUTION_DP;
Attribution.RM = Big.roundHalfEven;

/**
 * `cost_by_tool_tokens` for one call: each tool's share of the call's tokens
 * times the call's cost, rounded half-even to ATTRIBUTION_DP places. A call
 * with no tokens attributes nothing.
 */
export function attributeToTools(cost: Big, totalTokens: number, toolTokens: Readonly<Record<string, number>>): Record<string, string> {
  const out: Record<string, string> = {};
  if (totalTokens === 0) return out;
  for (const [tool, n] of Object.entries(toolTokens)) {
    out[tool] = new Attribution(cost).times(n).div(totalTokens).toFixed();
  }
  return out;
}
