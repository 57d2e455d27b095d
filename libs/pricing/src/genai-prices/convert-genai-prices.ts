import Big from 'big.js';
import type { CatalogFile, CatalogSource, NotImported } from '../catalog-file';
import type { CatalogProvider, MatchRule } from '../model-resolution';
import type { PriceRow, PriceTier } from '../price-catalog';
import { PRICE_MODIFIERS, PriceModifiers, USAGE_CLASSES, UsageClassKey, UsageRates } from '../price-dimensions';

/**
 * Converts `@pydantic/genai-prices` provider data, plus the overlay, into a catalog file. Pure: the caller
 * loads the package and the overlay (convert.main.ts). Rules (ADR 0022 gives the reasons):
 * - model key `${provider.id}/${model.id}`, row provider `provider.id`; providers keep the source's match
 *   rules, and their models in the source's order (only models that got a row);
 * - every number becomes the decimal of its shortest round-trip string (`String(n)`, exponents expanded by
 *   big.js; no float arithmetic). More than 6 fractional digits is float noise: the model is not imported
 *   unless the overlay corrects that exact value;
 * - per-key context tiers become row tiers over the union of the keys' thresholds, each key at the tier in
 *   force at that threshold. The source bills a key at a tier when the call's whole input (uncached, cache
 *   reads, cache writes: our `inPrompt` classes) is strictly above its `start`, not marginally, as we do;
 * - a price list of `start_date` constraints becomes effective-dated rows by the source's rule (the last
 *   entry whose constraint holds wins, else the first), the unconstrained price from 1970-01-01;
 *   any `time_of_date` constraint: the model is not imported (a price wrong at some hours is worse than none);
 * - a per-call or per-unit fee the ledger cannot measure (requests, audio hours, document pages, messages):
 *   not imported, since every call would be under-billed; a modality, citation or storage-search price:
 *   imported at its text rates, those keys listed as priced without;
 * - a model without both an input and an output price is not imported (nor one with no prices, which the
 *   source bills $0: the ledger never prices $0 by default); deprecated models are imported;
 * - a missing key bills as the source bills it (its units are part of an ancestor unit and billed at that
 *   unit's price): cache writes and reasoning fall back to input and output, as our `whenMissing` does;
 *   cache reads (required here) are written out at the input price, and 1-hour cache writes at the
 *   cache-write price when there is one (our fallback would say input). Web searches without a price are
 *   free in the source and unpriced here (never $0).
 */

/** A price as the source writes it: per million tokens (`_mtok`) or per thousand (`_kcount`). */
export type SourcePrice = number | { readonly base: number; readonly tiers: readonly { readonly start: number; readonly price: number }[] };
export type SourcePrices = Readonly<Record<string, SourcePrice>>;
export type SourceConstraint =
  | { readonly type: 'start_date'; readonly start_date: string }
  | { readonly type: 'time_of_date'; readonly start_time: string; readonly end_time: string };

export interface SourceModel {
  readonly id: string;
  readonly name?: string;
  readonly match: MatchRule;
  readonly prices: SourcePrices | readonly { readonly constraint?: SourceConstraint; readonly prices: SourcePrices }[];
  readonly deprecated?: boolean;
}

export interface SourceProvider {
  readonly id: string;
  readonly name: string;
  readonly pricing_urls?: readonly string[];
  readonly provider_match?: MatchRule;
  readonly model_match?: MatchRule;
  readonly fallback_model_providers?: readonly string[];
  readonly models: readonly SourceModel[];
}

/** Every overlay entry says why and where the fact comes from. */
interface OverlayEntry {
  readonly comment: string;
  readonly source: string;
}

/** What the source lacks or gets wrong, kept in the repo (libs/pricing/catalog/overlay.json). */
export interface CatalogOverlay {
  readonly description?: string;
  readonly provider_aliases?: readonly (OverlayEntry & { readonly provider: string; readonly aliases: readonly string[] })[];
  /** `model`: a model key, or a prefix ending in `*` (`anthropic/*`). Later entries win per modifier value. */
  readonly modifiers?: readonly (OverlayEntry & { readonly model: string; readonly modifiers: PriceModifiers })[];
  /** Replaces one exact source value (`from`, as its shortest string) of one price key of one model. */
  readonly corrections?: readonly (OverlayEntry & { readonly model: string; readonly key: string; readonly from: string; readonly to: string })[];
  /** A long-context tier the source lacks, added to every row of the model that has none at that threshold. */
  readonly tiers?: readonly (OverlayEntry & { readonly model: string; readonly tier: PriceTier })[];
  /** Names that resolve as written to the model (they win over every provider's rules: use sparingly). */
  readonly aliases?: readonly (OverlayEntry & { readonly model: string; readonly aliases: readonly string[] })[];
}

export interface ConversionReport {
  readonly sourceModels: number;
  readonly importedModels: number;
  readonly rows: number;
  /** Models not imported, by reason. */
  readonly notImported: Readonly<Record<string, number>>;
  /** Models imported with some keys priced at their text rates. */
  readonly pricedWithout: number;
  /** Models whose 1-hour cache writes were written out at the cache-write price (the source's semantics). */
  readonly cacheCreation1hFromCacheWrite: number;
  /** Overlay entries that matched nothing: stale, or a typo. */
  readonly unusedOverlay: readonly string[];
}

/** The source's price key for each of our classes; the type makes a new class name its source key. */
export const SOURCE_KEY: { readonly [K in UsageClassKey]: string } = {
  input: 'input_mtok',
  output: 'output_mtok',
  reasoning: 'output_reasoning_mtok',
  cache_creation: 'cache_write_mtok',
  cache_creation_1h: 'cache_write_1h_mtok',
  cache_read: 'cache_read_mtok',
  web_search: 'web_searches_kcount',
};

/** Fees charged on every call (or per unit) that no `TokenUsed` field measures: pricing without them under-bills. */
const UNMEASURED_FEES = new Set([
  'requests_kcount', 'audio_hours', 'input_audio_hours', 'output_audio_hours', 'input_document_kpages', 'input_annotated_document_kpages',
  'input_text_messages_kcount', 'input_mchars', 'input_gpixels',
]);

/** Prices of units our calls report inside a text class (or not at all): such calls bill at the text rates. */
const PRICED_WITHOUT = new Set([
  'input_audio_mtok', 'output_audio_mtok', 'cache_audio_read_mtok', 'input_image_mtok', 'output_image_mtok', 'cache_image_read_mtok',
  'input_video_mtok', 'output_video_mtok', 'storage_searches_kcount', 'output_citation_mtok',
]);

export const REASONS = {
  timeOfDay: 'time-of-day prices',
  unmeasured: 'a price per request/unit the ledger does not measure',
  unknownKey: 'a price key the converter does not know',
  noPrices: 'no prices (the source bills it $0: free, or included in a subscription)',
  noInputOutput: 'no input or no output price (embeddings, input-only)',
  noise: 'float noise: a rate with more than 6 fractional digits',
  pricedWithout: 'priced without: calls carrying these are billed at the text rates',
} as const;

const MAX_FRACTION_DIGITS = 6;
const EPOCH = '1970-01-01T00:00:00.000Z';

/** The exact decimal a source number was written as: its shortest round-trip string, exponent expanded. */
export const decimalOf = (n: number): string => {
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a price: ${n}`);
  return new Big(String(n)).toFixed();
};

const fractionDigits = (decimal: string) => (decimal.split('.')[1] ?? '').length;

/** One key's price as decimals: a base and its tiers, ascending by start. */
interface KeyPrice {
  readonly base: string;
  readonly tiers: readonly { readonly start: number; readonly price: string }[];
}

type Entry = { readonly constraint?: SourceConstraint; readonly prices: SourcePrices };

function priceAt(price: KeyPrice, threshold: number | null): string {
  let found = price.base;
  if (threshold !== null) for (const t of price.tiers) if (t.start <= threshold) found = t.price;
  return found;
}

/** Our rate set at one threshold (null: the base), with the source's fallbacks written out where ours differ. */
function ratesAt(prices: ReadonlyMap<string, KeyPrice>, threshold: number | null, filled: { oneHour: boolean }): UsageRates {
  const at = (key: string) => {
    const p = prices.get(key);
    return p && priceAt(p, threshold);
  };
  const given: Partial<Record<UsageClassKey, string>> = {};
  for (const cls of USAGE_CLASSES) {
    const value = at(SOURCE_KEY[cls.key]);
    if (value !== undefined) given[cls.key] = value;
  }
  // The source bills cache reads inside input at the input price; our rate sets must name it.
  given.cache_read ??= given.input;
  // The source bills 1-hour writes inside cache writes at the cache-write price; our fallback is input.
  if (given.cache_creation_1h === undefined && given.cache_creation !== undefined) {
    given.cache_creation_1h = given.cache_creation;
    filled.oneHour = true;
  }
  const rates: Record<string, string> = {};
  for (const cls of USAGE_CLASSES) if (given[cls.key] !== undefined) rates[cls.key] = given[cls.key]!;
  return rates as UsageRates;
}

interface Priced {
  readonly rates: UsageRates;
  readonly tiers?: readonly PriceTier[];
}

function priceSet(prices: ReadonlyMap<string, KeyPrice>, filled: { oneHour: boolean }): Priced {
  const rates = ratesAt(prices, null, filled);
  const thresholds = [...new Set([...prices.values()].flatMap((p) => p.tiers.map((t) => t.start)))].sort((a, b) => a - b);
  const tiers = thresholds.map((t) => ({ above_prompt_tokens: t, rates: ratesAt(prices, t, filled) }));
  return tiers.length ? { rates, tiers } : { rates };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The entry in force at `at` by the source's rule: the last whose constraint holds, else the first. */
function entryAt(entries: readonly Entry[], at: number): number {
  for (let i = entries.length - 1; i >= 0; i--) {
    const c = entries[i]!.constraint;
    if (c === undefined) return i;
    if (c.type === 'start_date' && at >= Date.parse(`${c.start_date}T00:00:00.000Z`)) return i;
  }
  return 0;
}

interface Dated extends Priced {
  readonly from: string;
  readonly to?: string;
}

/** Non-overlapping effective-dated price sets: one per interval between start dates, equal neighbours merged. */
function datedSets(entries: readonly Entry[], sets: readonly Priced[]): Dated[] {
  const starts = [
    ...new Set(entries.flatMap((e) => (e.constraint?.type === 'start_date' ? [Date.parse(`${e.constraint.start_date}T00:00:00.000Z`)] : []))),
  ]
    .filter((t) => t > 0)
    .sort((a, b) => a - b);
  const bounds = [Date.parse(EPOCH), ...starts];
  const out: { from: number; to?: number; set: Priced }[] = [];
  for (const from of bounds) {
    const set = sets[entryAt(entries, from)]!;
    const last = out[out.length - 1];
    if (last && same(last.set, set)) continue;
    if (last) last.to = from;
    out.push({ from, set });
  }
  return out.map((d) => ({
    from: new Date(d.from).toISOString(),
    ...(d.to !== undefined ? { to: new Date(d.to).toISOString() } : {}),
    ...d.set,
  }));
}

const MODIFIER_FIELDS = new Map<string, readonly string[] | undefined>(PRICE_MODIFIERS.map((m) => [m.field, 'values' in m ? m.values : undefined]));

function checkModifiers(modifiers: PriceModifiers, where: string) {
  for (const [field, values] of Object.entries(modifiers)) {
    if (!MODIFIER_FIELDS.has(field)) throw new Error(`overlay ${where}: no price modifier ${field}`);
    const allowed = MODIFIER_FIELDS.get(field);
    for (const [value, multiplier] of Object.entries(values as Record<string, string>)) {
      if (allowed && !allowed.includes(value)) throw new Error(`overlay ${where}: ${field} has no value ${value}`);
      if (!/^\d+(\.\d+)?$/.test(multiplier) || new Big(multiplier).lte(0)) throw new Error(`overlay ${where}: ${field}.${value} ${multiplier} is not a multiplier`);
    }
  }
}

const targets = (pattern: string, key: string) => (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern);

export function convertGenaiPrices(
  providers: readonly SourceProvider[],
  overlay: CatalogOverlay,
  source: CatalogSource,
  description?: string,
): { file: CatalogFile; report: ConversionReport } {
  const used = new Set<string>();
  const overlayName = (kind: string, i: number) => `${kind}[${i}]`;
  const corrections = overlay.corrections ?? [];
  overlay.modifiers?.forEach((m, i) => checkModifiers(m.modifiers, overlayName('modifiers', i)));
  for (const c of corrections) if (fractionDigits(new Big(c.to).toFixed()) > MAX_FRACTION_DIGITS) throw new Error(`overlay correction ${c.model} ${c.key}: ${c.to} is noise too`);

  const ids = new Set(providers.map((p) => p.id));
  const aliasOf = new Map<string, string>();
  for (const a of overlay.provider_aliases ?? []) {
    for (const alias of a.aliases.map((x) => x.toLowerCase())) {
      if (ids.has(alias) || (aliasOf.has(alias) && aliasOf.get(alias) !== a.provider)) throw new Error(`overlay provider alias ${alias} is ambiguous`);
      aliasOf.set(alias, a.provider);
    }
  }

  const rows: PriceRow[] = [];
  const notImported: NotImported[] = [];
  const outProviders: CatalogProvider[] = [];
  const reasons: Record<string, number> = {};
  let oneHour = 0;
  const seen = new Set<string>();
  let sourceModels = 0;
  let imported = 0;
  let pricedWithout = 0;

  for (const provider of providers) {
    const models: { model: string; match: MatchRule }[] = [];
    for (const model of provider.models) {
      sourceModels++;
      const key = `${provider.id}/${model.id}`;
      if (seen.has(key)) throw new Error(`the source has two models ${key}`);
      seen.add(key);
      const refuse = (reason: string, keys?: readonly string[]) => {
        reasons[reason] = (reasons[reason] ?? 0) + 1;
        notImported.push({ provider: provider.id, model: key, reason, ...(keys?.length ? { keys: [...keys].sort() } : {}) });
      };
      const entries: readonly Entry[] = Array.isArray(model.prices) ? (model.prices as readonly Entry[]) : [{ prices: model.prices as SourcePrices }];
      if (entries.some((e) => e.constraint?.type === 'time_of_date')) {
        refuse(REASONS.timeOfDay);
        continue;
      }
      const keys = [...new Set(entries.flatMap((e) => Object.keys(e.prices)))];
      const ours = new Set<string>(Object.values(SOURCE_KEY));
      const unmeasured = keys.filter((k) => UNMEASURED_FEES.has(k));
      if (unmeasured.length) {
        refuse(REASONS.unmeasured, unmeasured);
        continue;
      }
      const unknown = keys.filter((k) => !ours.has(k) && !PRICED_WITHOUT.has(k));
      if (unknown.length) {
        refuse(REASONS.unknownKey, unknown);
        continue;
      }
      if (keys.length === 0) {
        refuse(REASONS.noPrices);
        continue;
      }
      if (entries.some((e) => e.prices.input_mtok === undefined || e.prices.output_mtok === undefined)) {
        refuse(REASONS.noInputOutput);
        continue;
      }
      const noisy = new Set<string>();
      const decimal = (priceKey: string, n: number) => {
        const d = decimalOf(n);
        const i = corrections.findIndex((c) => c.model === key && c.key === priceKey && c.from === d);
        if (i >= 0) {
          used.add(overlayName('corrections', i));
          return new Big(corrections[i]!.to).toFixed();
        }
        if (fractionDigits(d) > MAX_FRACTION_DIGITS) noisy.add(priceKey);
        return d;
      };
      const sets = entries.map((e) => {
        const prices = new Map<string, KeyPrice>();
        for (const [k, v] of Object.entries(e.prices)) {
          if (!ours.has(k)) continue;
          prices.set(
            k,
            typeof v === 'number'
              ? { base: decimal(k, v), tiers: [] }
              : { base: decimal(k, v.base), tiers: [...v.tiers].sort((a, b) => a.start - b.start).map((t) => ({ start: t.start, price: decimal(k, t.price) })) },
          );
        }
        return prices;
      });
      if (noisy.size) {
        refuse(REASONS.noise, [...noisy]);
        continue;
      }
      const without = keys.filter((k) => PRICED_WITHOUT.has(k));
      if (without.length) {
        pricedWithout++;
        notImported.push({ provider: provider.id, model: key, reason: REASONS.pricedWithout, keys: without.sort() });
      }
      let modifiers: Record<string, Record<string, string>> = {};
      overlay.modifiers?.forEach((m, i) => {
        if (!targets(m.model, key)) return;
        used.add(overlayName('modifiers', i));
        const merged: Record<string, Record<string, string>> = { ...modifiers };
        for (const [field, values] of Object.entries(m.modifiers)) merged[field] = { ...merged[field], ...(values as Record<string, string>) };
        modifiers = merged;
      });
      const aliases: string[] = [];
      overlay.aliases?.forEach((a, i) => {
        if (a.model !== key) return;
        used.add(overlayName('aliases', i));
        aliases.push(...a.aliases);
      });
      const added: PriceTier[] = [];
      overlay.tiers?.forEach((t, i) => {
        if (t.model !== key) return;
        used.add(overlayName('tiers', i));
        added.push(t.tier);
      });
      const filled = { oneHour: false };
      const dated = datedSets(entries, sets.map((s) => priceSet(s, filled))).map((d) => {
        const own = d.tiers ?? [];
        const tiers = [...own, ...added.filter((t) => !own.some((o) => o.above_prompt_tokens === t.above_prompt_tokens))];
        return { ...d, tiers: tiers.length ? tiers.sort((a, b) => a.above_prompt_tokens - b.above_prompt_tokens) : undefined };
      });
      if (filled.oneHour) oneHour++;
      for (const d of dated) {
        rows.push({
          model: key,
          provider: provider.id,
          ...(aliases.length ? { aliases } : {}),
          effective_from: d.from,
          ...(d.to !== undefined ? { effective_to: d.to } : {}),
          rates: d.rates,
          ...(d.tiers ? { tiers: d.tiers } : {}),
          ...(Object.keys(modifiers).length ? { modifiers: modifiers as PriceModifiers } : {}),
        });
      }
      imported++;
      models.push({ model: key, match: model.match });
    }
    const aliases = (overlay.provider_aliases ?? []).flatMap((a, i) => {
      if (a.provider !== provider.id) return [];
      used.add(overlayName('provider_aliases', i));
      return a.aliases.map((x) => x.toLowerCase());
    });
    outProviders.push({
      id: provider.id,
      name: provider.name,
      ...(aliases.length ? { aliases } : {}),
      ...(provider.pricing_urls ? { pricing_urls: provider.pricing_urls } : {}),
      ...(provider.provider_match ? { provider_match: provider.provider_match } : {}),
      ...(provider.model_match ? { model_match: provider.model_match } : {}),
      ...(provider.fallback_model_providers ? { fallback_model_providers: provider.fallback_model_providers } : {}),
      models,
    });
  }

  rows.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.effective_from < b.effective_from ? -1 : a.effective_from > b.effective_from ? 1 : 0));
  const unusedOverlay = (['provider_aliases', 'modifiers', 'corrections', 'tiers', 'aliases'] as const).flatMap((kind) =>
    (overlay[kind] ?? []).flatMap((e, i) => (used.has(overlayName(kind, i)) ? [] : [`${overlayName(kind, i)} ${'model' in e ? e.model : 'provider' in e ? e.provider : ''}`])),
  );
  return {
    file: { ...(description ? { description } : {}), source, providers: outProviders, rows, not_imported: notImported },
    report: {
      sourceModels,
      importedModels: imported,
      rows: rows.length,
      notImported: reasons,
      pricedWithout,
      cacheCreation1hFromCacheWrite: oneHour,
      unusedOverlay,
    },
  };
}
