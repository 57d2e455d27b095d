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
  /** Names that resolve as written, to the model they name: every row's model and aliases, every override's model. */
  readonly exactNames: ReadonlyMap<string, string>;
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

/**
 * The catalog model that prices a call of `name` sent with `provider` (null: none given), or null: unresolved,
 * so unpriced. Precedence: a name the catalog knows as written (a model or an explicit alias) wins; then the
 * rules of the named provider (its own models in order, then its fallback providers); without a provider,
 * the rules of the first provider that claims the name as first party. A provider the catalog does not know,
 * or a name no rule matches, resolves to nothing: resolution never guesses a default model.
 */
export function resolveModel(catalog: ResolutionCatalog, provider: string | null, name: string): string | null {
  const exact = catalog.exactNames.get(name);
  if (exact !== undefined) return exact;
  const chosen = provider
    ? providerNamed(catalog.providers, provider)
    : catalog.providers.find((p) => p.model_match !== undefined && matches(p.model_match, name));
  if (!chosen) return null;
  const found = inProvider(catalog.providers, chosen, name, true);
  if (found) return found;
  const dashed = dashedDates(name);
  return dashed === name ? null : inProvider(catalog.providers, chosen, dashed, true);
}
