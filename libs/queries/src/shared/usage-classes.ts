import Big from 'big.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ModifierField, PRICE_MODIFIERS, USAGE_CLASSES, UsageClassKey, UsageField } from '@ledger/pricing';

/*
 * How the views show the price model (ADR 0021): every usage count, every class's cost and every
 * non-default modifier, derived from USAGE_CLASSES and PRICE_MODIFIERS, in both dialects.
 */

/** A snake_case field in the Stevora dialect's camelCase: `cache_creation_1h_tokens` → `cacheCreation1hTokens`. */
export type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
export const camel = <S extends string>(field: S): Camel<S> => field.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as Camel<S>;
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A call's or an aggregate's count of every class, by event field (the seed's four among them). */
export type UsageCounts = { [K in UsageField]: number };
export type CamelUsageCounts = { [K in UsageField as Camel<K>]: number };
/** The run totals' spelling: `totalInputTokens`, …, `totalWebSearchRequests`. */
export type TotalUsageCounts = { [K in UsageField as `total${Capitalize<Camel<K>>}`]: number };

/** `<alias>.<field>` for every class, or `agg(<alias>.<field>) AS <field>` with `agg`: the usage columns of a select list. */
export const usageSelect = (alias: string, agg?: (col: string) => string) =>
  USAGE_CLASSES.map((c) => (agg ? `${agg(`${alias}.${c.field}`)} AS ${c.field}` : `${alias}.${c.field}`)).join(', ');

/** The counts of a row whose usage columns PostgreSQL returned (bigints and sums as text). */
export const usageCounts = (row: Readonly<Record<UsageField, string | number>>): UsageCounts =>
  Object.fromEntries(USAGE_CLASSES.map((c) => [c.field, Number(row[c.field])])) as UsageCounts;
export const camelUsageCounts = (row: Readonly<Record<UsageField, string | number>>): CamelUsageCounts =>
  Object.fromEntries(USAGE_CLASSES.map((c) => [camel(c.field), Number(row[c.field])])) as CamelUsageCounts;
export const totalUsageCounts = (row: Readonly<Record<UsageField, string | number>>): TotalUsageCounts =>
  Object.fromEntries(USAGE_CLASSES.map((c) => [`total${capitalized(camel(c.field))}`, Number(row[c.field])])) as TotalUsageCounts;

/**
 * `cost_by_class`: the token cost of a set of calls per class, exact decimal strings. A class's units of a
 * call that no price covers add nothing, as they add nothing to `token_cost_usd`, so the classes add up to
 * it exactly. A class every used unit of which is unpriced (web search on a row without a web-search rate,
 * or a model without a price) is left out rather than shown as $0; a class no call used is `"0"`.
 */
export type CostByClass = Partial<Record<UsageClassKey, string>>;

/**
 * One row per TokenUsed fact `f` (a `priced_facts` row) and class it used: `(key, cost, units)`, where `cost`
 * is the fact's `cost_<key>` (NULL: unpriced). For a `CROSS JOIN LATERAL`.
 */
export const CLASSES_OF_FACT = `(VALUES ${USAGE_CLASSES.map((c) => `('${c.key}', f.cost_${c.key}, f.${c.field})`).join(', ')}) AS c(key, cost, units)`;

/** A class's sums over a set of calls: its priced cost (exact decimal), the calls using it, and those of them unpriced. */
export interface ClassSum {
  readonly key: string;
  readonly cost: string;
  readonly calls: number;
  readonly unpricedCalls: number;
}

export function costByClass(sums: readonly ClassSum[]): CostByClass {
  const out: CostByClass = {};
  for (const c of USAGE_CLASSES) {
    const found = sums.filter((s) => s.key === c.key);
    const calls = found.reduce((n, s) => n + s.calls, 0);
    const unpriced = found.reduce((n, s) => n + s.unpricedCalls, 0);
    if (calls > 0 && unpriced === calls) continue;
    out[c.key] = found.reduce((sum, s) => sum.plus(s.cost), new Big(0)).toFixed();
  }
  return out;
}

/** Every class's units from per-class sums (`key`, `units`), by event field: 0 for a class no call used. */
export const unitsByField = (sums: readonly { readonly key: string; readonly units: string }[]): Record<UsageField, string> =>
  Object.fromEntries(USAGE_CLASSES.map((c) => [c.field, sums.find((s) => s.key === c.key)?.units ?? '0'])) as Record<UsageField, string>;

/** A call's modifiers in the Stevora dialect (`serviceTier`, `speed`, `inferenceGeo`), only those not at their default. */
export type CallModifiers = { [K in ModifierField as Camel<K>]?: string };

/** `f.<field>` for every modifier: a select list's columns (NULL: the default). */
export const MODIFIER_SELECT = PRICE_MODIFIERS.map((m) => `f.${m.field}`).join(', ');

export function callModifiers(row: Readonly<Record<ModifierField, string | null>>): CallModifiers {
  const out: Record<string, string> = {};
  for (const m of PRICE_MODIFIERS) {
    const value = row[m.field];
    if (value !== null && value !== m.default) out[camel(m.field)] = value;
  }
  return out as CallModifiers;
}

/**
 * Documents the usage counts on an OpenAPI shape, one integer property per class, named by `name` (the
 * field itself, or its Stevora spelling), so the schema lists exactly the classes the views return.
 */
export function documentUsageCounts(shape: { prototype: object }, name: (field: UsageField) => string, describe = (d: string) => d): void {
  for (const c of USAGE_CLASSES) ApiProperty({ type: 'integer', description: describe(c.description) })(shape.prototype, name(c.field));
}
export const stevoraName = (field: UsageField): string => camel(field);
export const stevoraTotalName = (field: UsageField): string => `total${capitalized(camel(field))}`;

/** `cost_by_class` / `costByClass` in the OpenAPI document. */
export const COST_BY_CLASS_DOC = {
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { input: '0.005', output: '0.05' },
  description:
    `Extension: the token cost per usage class (${USAGE_CLASSES.map((c) => `\`${c.key}\``).join(', ')}), exact decimal strings that add up to the token cost. ` +
    'A class no call used is "0"; a class whose used units all lack a price (no price for the model, or web search on a row without a web-search rate) ' +
    'is left out rather than shown as $0, and its calls are counted as unpriced.',
} as const;

/** The modifiers on a call in the OpenAPI document: optional, present only when not the default. */
export function documentCallModifiers(shape: { prototype: object }): void {
  for (const m of PRICE_MODIFIERS) {
    const values = 'values' in m ? m.values.filter((v) => v !== m.default) : undefined;
    ApiPropertyOptional({
      type: 'string',
      ...(values && { enum: values }),
      description: `Extension: \`${m.field}\`, present only when not \`${m.default}\`. ${m.description}`,
    })(shape.prototype, camel(m.field));
  }
}
