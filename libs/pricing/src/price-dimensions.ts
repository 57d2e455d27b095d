/**
 * The price model, described once (ADR 0021). Everything that names a usage class or a price modifier
 * derives from these two lists: ingest's fields and bounds, the facts' and aggregates' columns, the
 * projection's extraction, the catalog's rate schema and its fallbacks, the band table, the pricing
 * SQL, the admin DTOs, the views' `cost_by_class` and the OpenAPI schemas. Adding a class is one entry
 * here, one migration (the read model is re-created), catalog data and tests.
 */

/**
 * One quantity a `TokenUsed` call reports and the catalog prices.
 * - `key`: the class's rate key in a price row, and its key in `cost_by_class`;
 * - `field`: the event field carrying the quantity, also the column name of facts and aggregates;
 * - `per`: how many units a rate is for (a million tokens, a thousand requests);
 * - `partOf`: the class whose quantity includes this one. Its units are billed at this class's rate and
 *   not again at the parent's (the subset rule), and ingest refuses more of them than the parent has;
 * - `whenMissing`: what a rate set without this class's rate bills it at: `required` (a row must give it),
 *   another class's rate, or `unpriced` (a call using it is partly priced, never billed $0);
 * - `modified`: the row's modifiers (tier, speed, region) multiply it; per-request fees they do not;
 * - `inPrompt`: counted in the prompt size that selects a long-context tier;
 * - `total`: counted in `total_tokens` (subsets are already inside their parent).
 */
export interface UsageClass {
  readonly key: string;
  readonly field: string;
  readonly per: 1_000_000 | 1_000;
  readonly partOf?: string;
  readonly whenMissing: 'required' | 'unpriced' | { readonly rateOf: string };
  readonly modified: boolean;
  readonly inPrompt: boolean;
  readonly total: boolean;
  readonly description: string;
}

export const USAGE_CLASSES = [
  {
    key: 'input', field: 'input_tokens', per: 1_000_000, whenMissing: 'required', modified: true, inPrompt: true, total: true,
    description: 'Uncached input tokens only (Anthropic `input_tokens`; OpenAI `prompt_tokens − cached_tokens`).',
  },
  {
    key: 'output', field: 'output_tokens', per: 1_000_000, whenMissing: 'required', modified: true, inPrompt: false, total: true,
    description: 'All output tokens, reasoning included.',
  },
  {
    key: 'reasoning', field: 'reasoning_tokens', per: 1_000_000, partOf: 'output', whenMissing: { rateOf: 'output' }, modified: true, inPrompt: false, total: false,
    description: 'The part of `output_tokens` spent reasoning (OpenAI `reasoning_tokens`, Gemini `thoughtsTokenCount`). At most `output_tokens`.',
  },
  {
    key: 'cache_creation', field: 'cache_creation_tokens', per: 1_000_000, whenMissing: { rateOf: 'input' }, modified: true, inPrompt: true, total: true,
    description: 'All tokens written to the prompt cache (Anthropic `cache_creation_input_tokens`), 1-hour writes included.',
  },
  {
    key: 'cache_creation_1h', field: 'cache_creation_1h_tokens', per: 1_000_000, partOf: 'cache_creation', whenMissing: { rateOf: 'input' }, modified: true,
    inPrompt: false, total: false,
    description: 'The part of `cache_creation_tokens` written to the 1-hour cache (Anthropic `cache_creation.ephemeral_1h_input_tokens`).',
  },
  {
    key: 'cache_read', field: 'cache_read_tokens', per: 1_000_000, whenMissing: 'required', modified: true, inPrompt: true, total: true,
    description: 'Tokens served from the prompt cache.',
  },
  {
    key: 'web_search', field: 'web_search_requests', per: 1_000, whenMissing: 'unpriced', modified: false, inPrompt: false, total: false,
    description: 'Server-side web searches the call made (Anthropic `server_tool_use.web_search_requests`, OpenAI `web_search_call` items).',
  },
] as const satisfies readonly UsageClass[];

export type UsageClassKey = (typeof USAGE_CLASSES)[number]['key'];
export type UsageField = (typeof USAGE_CLASSES)[number]['field'];
type RequiredClass = Extract<(typeof USAGE_CLASSES)[number], { whenMissing: 'required' }>['key'];

/** A rate set: USD per `per` units of each class, as exact decimal strings. Optional classes fall back (`whenMissing`). */
export type UsageRates = { readonly [K in RequiredClass]: string } & { readonly [K in Exclude<UsageClassKey, RequiredClass>]?: string };

/** The quantities of one call, by event field (absent: 0). */
export type UsageQuantities = { readonly [K in UsageField]?: number };

/**
 * One dimension of how a call was served that multiplies its token cost (never its per-request fees).
 * `field` is the event field and the facts' column; the default value is stored as absent, and a value
 * a price row's modifiers do not list bills at 1×.
 */
export interface PriceModifier {
  readonly field: string;
  readonly default: string;
  /** The values ingest accepts; absent: any short lowercase name (`MODIFIER_PATTERN`). */
  readonly values?: readonly string[];
  /** Kept as an hourly and daily rollup dimension, so summaries and time series group by it. */
  readonly rollup: boolean;
  readonly description: string;
}

export const MODIFIER_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export const PRICE_MODIFIERS = [
  {
    field: 'service_tier', default: 'standard', values: ['standard', 'batch', 'flex', 'priority'],
    description: 'The tier the provider says it served (the response, not the request): batch and flex are about 0.5×, priority about 2×.',
    rollup: true,
  },
  { field: 'speed', default: 'standard', values: ['standard', 'fast'], description: 'Anthropic fast mode (`speed: "fast"`).', rollup: true },
  {
    field: 'inference_geo', default: 'global', rollup: false,
    description: 'Where the provider ran the call, e.g. `us` or `eu` (data residency); `global` is list price.',
  },
] as const satisfies readonly PriceModifier[];

export type ModifierField = (typeof PRICE_MODIFIERS)[number]['field'];

/** A price row's multipliers: by modifier, by value, an exact decimal string, e.g. `{"service_tier":{"batch":"0.5"}}`. */
export type PriceModifiers = { readonly [K in ModifierField]?: Readonly<Record<string, string>> };

/** The classes whose quantities include `cls`'s (its subsets). */
export const subsetsOf = (cls: UsageClass): readonly UsageClass[] => USAGE_CLASSES.filter((c: UsageClass) => c.partOf === cls.key);

export const usageClass = (key: string): UsageClass => {
  const found = USAGE_CLASSES.find((c) => c.key === key);
  if (!found) throw new Error(`no usage class ${key}`);
  return found;
};

/** The classes counted in `total_tokens`, and those in the prompt size that selects a long-context tier. */
export const TOTAL_FIELDS: readonly UsageField[] = USAGE_CLASSES.filter((c) => c.total).map((c) => c.field);
export const PROMPT_FIELDS: readonly UsageField[] = USAGE_CLASSES.filter((c) => c.inPrompt).map((c) => c.field);
