/**
 * Model-name resolution: which catalog model prices a call, from the model name and provider the call
 * was sent with. A pure function of the catalog version and the (provider, name) pair (ADR 0022), so the
 * read model stores one answer per distinct pair and restates them when the catalog changes.
 */

/** The source's match rules (genai-prices): strings compare case-insensitively, a regex as written. */
export type MatchRule =
  | { readonly equals: string }
  | { readonly starts_with: string }
  | { readonly ends_with: string }
  | { readonly contains: string }
  | { readonly regex: string }
  | { readonly or: readonly MatchRule[] }
  | { readonly and: readonly MatchRule[] };

/** A provider of the catalog: how calls name it, which models it is first party for, and its models' rules. */
export interface CatalogProvider {
  /** The source's id (`anthropic`, `aws`, `x-ai`, …): what `provider` on a call should say. */
  readonly id: string;
  readonly name: string;
  /** Other names clients commonly send for it (`bedrock` → `aws`), lower case; from the overlay. */
  readonly aliases?: readonly string[];
  /** The source's rule for other spellings of the provider, tried after the id and the aliases. */
  readonly provider_match?: MatchRule;
  /** The model names this provider is first party for: a call that names no provider is resolved here. */
  readonly model_match?: MatchRule;
  /** Providers whose models this one also serves, tried in order when none of its own match. */
  readonly fallback_model_providers?: readonly string[];
  readonly pricing_urls?: readonly string[];
  /** The catalog models of this provider with their rules, in the source's order: the first match wins. */
  readonly models: readonly { readonly model: string; readonly match: MatchRule }[];
}

/** What resolution reads from a catalog version. */
export interface ResolutionCatalog {
  readonly providers: readonly CatalogProvider[];
  /**
   * Names that resolve as written before any rule, to the model they name: the operator's own rows (no provider),
   * every explicit alias, every negotiated price's model.
   */
  readonly exactNames: ReadonlyMap<string, string>;
  /** The provider-qualified models (`anthropic/claude-sonnet-4-5`): a call sent under one resolves to it when no rule matched. */
  readonly qualifiedModels: ReadonlySet<string>;
}

const regexes = new Map<string, RegExp>();
const regex = (source: string) => {
  let r = regexes.get(source);
  if (!r) regexes.set(source, (r = new RegExp(source)));
  return r;
};

export function matches(rule: MatchRule, name: string): boolean {
  if ('or' in rule) return rule.or.some((r) => matches(r, name));
  if ('and' in rule) return rule.and.every((r) => matches(r, name));
  if ('regex' in rule) return regex(rule.regex).test(name);
  const lower = name.toLowerCase();
  if ('equals' in rule) return lower === rule.equals.toLowerCase();
  if ('starts_with' in rule) return lower.startsWith(rule.starts_with.toLowerCase());
  if ('ends_with' in rule) return lower.endsWith(rule.ends_with.toLowerCase());
  return lower.includes(rule.contains.toLowerCase());
}

/** The catalog provider a call's `provider` names: by id, then by alias, then by the source's provider rule. */
export function providerNamed(providers: readonly CatalogProvider[], provider: string): CatalogProvider | undefined {
  const p = provider.trim().toLowerCase();
  return (
    providers.find((x) => x.id === p) ??
    providers.find((x) => x.aliases?.includes(p)) ??
    providers.find((x) => x.provider_match !== undefined && matches(x.provider_match, p))
  );
}

/** A dated snapshot's `-YYYYMMDD` spelt `-YYYY-MM-DD`, as some rules are written (the source's own retry). */
const DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;
const dashedDates = (name: string) =>
  name.replace(DATE, (whole, dash: string, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d) ? `${dash}${y}-${m}-${d}` : whole;
  });

function inProvider(providers: readonly CatalogProvider[], provider: CatalogProvider, name: string, withFallbacks: boolean): string | null {
  const own = provider.models.find((m) => matches(m.match, name));
  if (own) return own.model;
  if (!withFallbacks) return null;
  for (const id of provider.fallback_model_providers ?? []) {
    const other = providers.find((p) => p.id === id);
    const found = other && inProvider(providers, other, name, false);
    if (found) return found;
  }
  return null;
}

/** Within `provider`: its rules and its fallbacks', then the same for the name with its date dashed. */
function byRules(providers: readonly CatalogProvider[], provider: CatalogProvider, name: string): string | null {
  const found = inProvider(providers, provider, name, true);
  if (found) return found;
  const dashed = dashedDates(name);
  return dashed === name ? null : inProvider(providers, provider, dashed, true);
}

/**
 * The catalog model that prices a call of `name` sent with `provider` (null: none given), or null: unresolved,
 * so unpriced. Precedence (ADR 0022):
 * 1. a name the catalog knows as written: the operator's rows, explicit aliases, negotiated prices' models;
 * 2. the rules of the named provider (its models in order, then its fallback providers'), or without one, of
 *    the first provider that claims the name as first party;
 * 3. a provider-qualified catalog model as written (`openai/gpt-5`);
 * 4. without a provider, a name prefixed with a provider's id or alias (`anthropic/claude-sonnet-4-5-20250929`,
 *    as LiteLLM spells them): the rest of the name within that provider.
 * A provider the catalog does not know, or a name nothing matches, resolves to nothing: resolution never
 * guesses a default model, and never takes a reseller's price for a call that did not name the reseller.
 */
export function resolveModel(catalog: ResolutionCatalog, provider: string | null, name: string): string | null {
  const exact = catalog.exactNames.get(name);
  if (exact !== undefined) return exact;
  const { providers } = catalog;
  const chosen = provider ? providerNamed(providers, provider) : providers.find((p) => p.model_match !== undefined && matches(p.model_match, name));
  if (provider && !chosen) return null;
  const ruled = chosen ? byRules(providers, chosen, name) : null;
  if (ruled) return ruled;
  if (catalog.qualifiedModels.has(name)) return name;
  const slash = name.indexOf('/');
  if (provider || slash <= 0) return null;
  const prefix = name.slice(0, slash).toLowerCase();
  const named = providers.find((p) => p.id === prefix || p.aliases?.includes(prefix));
  return named ? byRules(providers, named, name.slice(slash + 1)) : null;
}
