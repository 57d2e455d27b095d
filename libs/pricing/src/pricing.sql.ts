import Big from 'big.js';
import { PRICE_MODIFIERS, PROMPT_FIELDS, subsetsOf, TOTAL_FIELDS, USAGE_CLASSES, UsageClass } from './price-dimensions';
import type { ModelName, PriceTable } from './price-table';

/*
 * Pricing in SQL, against a compiled price table (compilePriceTable): the rules that choose a band
 * (row, override, tier) and resolve missing rates were applied when the table was compiled, so a call
 * matches at most one band and its cost is plain exact arithmetic, derived here from USAGE_CLASSES and
 * PRICE_MODIFIERS. Names are matched in the read model's collation ("C"), whichever the other side has.
 */

/** Anything that runs SQL: a pg client, inside a transaction where it matters. */
export interface SqlRunner {
  query<R = unknown>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Identifiers compare bytewise (see the read model's `ID`). */
const ID = 'text COLLATE "C"';

/** The usage columns facts and aggregates carry, one per class: a count, 0 when the event had none. */
export const USAGE_COLUMNS: readonly string[] = USAGE_CLASSES.map((c) => c.field);
/**
 * The usage columns the hourly and daily rollups keep: the whole classes (those in `total_tokens`), whose sums
 * the summaries and time series show. The parts and fees are summed from the calls where a view shows them:
 * carrying them in every rollup row cost a restatement a third of its rollup time.
 */
export const ROLLUP_USAGE_COLUMNS: readonly string[] = TOTAL_FIELDS;
export const usageColumnsDdl = (columns: readonly string[] = USAGE_COLUMNS) => columns.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(',\n       ');
/** The modifier columns of a fact: the value the call was served with; NULL is the default. */
export const MODIFIER_COLUMNS: readonly string[] = PRICE_MODIFIERS.map((m) => m.field);
export const modifierColumnsDdl = () => MODIFIER_COLUMNS.map((c) => `${c} ${ID}`).join(',\n       ');

/** The band tables a read-model schema prices its facts with (compilePriceTable's rows), and the names they resolve. */
export const priceTablesDdl = (schema: string): string[] => [
  // Every model name the schema's facts were sent with ('' for no provider) and the catalog model it resolves to.
  `CREATE TABLE ${schema}.model_names (
       provider ${ID} NOT NULL,
       name ${ID} NOT NULL,
       model ${ID},
       PRIMARY KEY (name, provider))`,
  `CREATE TABLE ${schema}.model_prices (
       provider ${ID} NOT NULL,
       name ${ID} NOT NULL,
       model ${ID} NOT NULL,
       workspace_id ${ID},
       overridden_in text[] NOT NULL DEFAULT '{}',
       valid_from timestamptz NOT NULL,
       valid_to timestamptz NOT NULL,
       prompt_above bigint NOT NULL,
       prompt_upto bigint,
       price_ref ${ID} NOT NULL,
       modifiers jsonb,
       ${USAGE_CLASSES.map((c: UsageClass) => `${c.key} numeric${c.whenMissing === 'unpriced' ? '' : ' NOT NULL'}`).join(',\n       ')})`,
  `CREATE TABLE ${schema}.tool_prices (
       tool ${ID} NOT NULL,
       valid_from timestamptz NOT NULL,
       valid_to timestamptz NOT NULL,
       per_call numeric NOT NULL,
       per_second numeric NOT NULL)`,
];

/** The size of a call's prompt (the `inPrompt` classes), which selects a long-context tier. */
export const promptSize = (x: string) => `(${PROMPT_FIELDS.map((f) => `${x}.${f}`).join(' + ')})`;

/**
 * The band of model price table `m` that prices TokenUsed fact `x` (columns of `cost_facts`): its model name
 * and provider as sent, instant and prompt size, and its workspace: the workspace's own band, or the list band unless the
 * workspace overrides it then.
 */
export const modelBandMatch = (m: string, x: string) =>
  `${m}.name = ${x}.model COLLATE "C" AND ${m}.provider = ${x}.provider COLLATE "C" AND ${x}.occurred_at >= ${m}.valid_from AND ${x}.occurred_at < ${m}.valid_to
    AND ${promptSize(x)} > ${m}.prompt_above AND ${promptSize(x)} <= COALESCE(${m}.prompt_upto, 9223372036854775807)
    AND (${m}.workspace_id = ${x}.workspace_id OR (${m}.workspace_id IS NULL AND ${x}.workspace_id <> ALL (${m}.overridden_in)))`;

/** The exact decimal that turns units into rate units (1 / `per`): a rate is USD per `per` units. */
const perUnit = (per: number) => new Big(1).div(per).toFixed();
/** The units of a class billed at its own rate: its count less those of its subsets (billed at theirs). */
const ownUnits = (c: UsageClass, x: string) => [`${x}.${c.field}`, ...subsetsOf(c).map((d) => `${x}.${d.field}`)].join(' - ');
/** Σ units × rate over `classes` (all priced per the same number of units), scaled once; NULL rates count 0 where the class may be unpriced. */
const unitsCost = (classes: readonly UsageClass[], m: string, x: string) =>
  `(${classes.map((c) => (c.whenMissing === 'unpriced' ? `COALESCE(${m}.${c.key}, 0)` : `${m}.${c.key}`) + ` * (${ownUnits(c, x)})`).join(' + ')}) * ${perUnit(classes[0].per)}`;
/** The product of the band's multipliers for the call's modifier values; a value the band does not list is 1×. */
const multiplier = (m: string, x: string) =>
  PRICE_MODIFIERS.map((d) => `COALESCE((${m}.modifiers->'${d.field}'->>${x}.${d.field})::numeric, 1)`).join(' * ');
/** Whether fact `x` is served at list price by band `m`: no multiplier to look up. */
const unmodified = (m: string, x: string) => `${m}.modifiers IS NULL OR (${MODIFIER_COLUMNS.map((c) => `${x}.${c} IS NULL`).join(' AND ')})`;
const modified = (cost: string, m: string, x: string) => `CASE WHEN ${unmodified(m, x)} THEN ${cost} ELSE ${cost} * ${multiplier(m, x)} END`;

const CLASSES: readonly UsageClass[] = USAGE_CLASSES;
/** The classes grouped by whether modifiers apply and by the units their rates are for: one scaling per group. */
const groups = (modifiedOnes: boolean) => {
  const byPer = new Map<number, UsageClass[]>();
  for (const c of CLASSES.filter((k) => k.modified === modifiedOnes)) byPer.set(c.per, [...(byPer.get(c.per) ?? []), c]);
  return [...byPer.values()];
};

/**
 * A call's cost at band `m`: Σ units × rate over the classes, the modified classes' sum times the call's
 * multiplier, per-request fees added as they are. An unpriced class adds nothing here (`unpricedCall`).
 */
export const callCost = (m: string, x: string) => {
  const full = [...groups(true).map((g) => modified(unitsCost(g, m, x), m, x)), ...groups(false).map((g) => unitsCost(g, m, x))].join(' + ');
  // Most calls use only the whole classes (those in `total_tokens`) and are served by default: then each whole
  // class's own units are its count, and the cost is the plain sum. Restating a million calls spends most of
  // its pricing time in this arithmetic, so the common case skips the subsets, the fees and the multiplier.
  const wholes = CLASSES.filter((c) => c.total);
  if (new Set(wholes.map((c) => c.per)).size !== 1) return full;
  const plain = `(${wholes.map((c) => `${m}.${c.key} * ${x}.${c.field}`).join(' + ')}) * ${perUnit(wholes[0].per)}`;
  const onlyWholes = CLASSES.filter((c) => !c.total).map((c) => `${x}.${c.field} = 0`);
  return `CASE WHEN ${[...onlyWholes, `(${unmodified(m, x)})`].join(' AND ')} THEN ${plain} ELSE ${full} END`;
};

/** One class's part of `callCost`, modifiers applied; NULL when no band prices the call or the class has no rate. */
export const classCostOf = (c: UsageClass, m: string, x: string) => {
  const cost = `${m}.${c.key} * (${ownUnits(c, x)}) * ${perUnit(c.per)}`;
  return c.modified ? modified(cost, m, x) : cost;
};

/**
 * The "unpriced" rule, the only place it is written: a TokenUsed call is unpriced when no band prices it,
 * or partly so when it used a class its band has no rate for. Either way it is counted with the unpriced
 * calls, never billed $0 for what has no price.
 */
export const unpricedCall = (m: string, x: string) =>
  [`${m}.name IS NULL`, ...CLASSES.filter((c) => c.whenMissing === 'unpriced').map((c) => `(${x}.${c.field} > 0 AND ${m}.${c.key} IS NULL)`)].join(' OR ');

/** The band of tool price table `tp` in force for ToolCalled fact `x`. */
export const toolBandMatch = (tp: string, x: string) =>
  `${tp}.tool = ${x}.tool_name COLLATE "C" AND ${x}.occurred_at >= ${tp}.valid_from AND ${x}.occurred_at < ${tp}.valid_to`;
/** The tool's per-call rate plus its per-second rate times the call's duration. */
export const toolCost = (tp: string, x: string) => `${tp}.per_call + ${tp}.per_second * COALESCE(${x}.duration_ms, 0) * 0.001`;

/**
 * The facts of relation `facts` (columns of `cost_facts`) with their costs, priced against the band
 * tables of `schema`:
 * - `token_cost`: a TokenUsed call's `callCost` at its band; no band means NULL, never $0;
 * - `unpriced`: the call is unpriced or partly priced (`unpricedCall`);
 * - `cost_<class>`: each class's part of `token_cost` (`cost_by_class`);
 * - `compute_cost`: a ToolCalled event's reported compute cost, else its tool's band, else 0;
 * - `price_ref`: the band's reference, or 'reported';
 * - `priced_model`: the catalog model the call's name resolved to, when a band prices it.
 * The same fact and band table always give the same costs: every cost in the read model, per call or
 * summed, comes from here. Columns a reader does not select are not computed (the subquery is inlined).
 */
export const pricedFacts = (schema: string, facts: string) => `
  SELECT f.*, CASE WHEN m.name IS NOT NULL THEN trim_scale(${callCost('m', 'f')}) END AS token_cost,
    f.event_type = 'TokenUsed' AND (${unpricedCall('m', 'f')}) AS unpriced,
    ${CLASSES.map((c) => `trim_scale(${classCostOf(c, 'm', 'f')}) AS cost_${c.key}`).join(',\n    ')},
    CASE WHEN f.event_type = 'ToolCalled' THEN COALESCE(f.reported_compute_cost, trim_scale(${toolCost('tp', 'f')}), 0) ELSE 0 END AS compute_cost,
    COALESCE(m.price_ref, CASE WHEN f.reported_compute_cost IS NOT NULL THEN 'reported' END) AS price_ref,
    m.model AS priced_model
  FROM ${facts} f
  LEFT JOIN ${schema}.model_prices m ON f.event_type = 'TokenUsed' AND ${modelBandMatch('m', 'f')}
  LEFT JOIN ${schema}.tool_prices tp ON f.event_type = 'ToolCalled' AND f.reported_compute_cost IS NULL AND ${toolBandMatch('tp', 'f')}`;

/** The schema's facts priced with its own band tables: what per-call readers read. */
export const pricedFactsView = (schema: string) => `CREATE VIEW ${schema}.priced_facts AS ${pricedFacts(schema, `${schema}.cost_facts`)}`;

/**
 * A tool's share of a call's `cost` by its `tokens` of the call's `total`: cost × tokens / total, rounded
 * half-even to 18 places from the exact integer quotient and remainder of cost × tokens × 10^18 by total
 * (numeric's own rounding is half away from zero). Read-side: it is summed per tool when a breakdown is read.
 */
export const toolTokenShare = (cost: string, tokens: string, total: string) => `(
    SELECT (s.q + CASE WHEN 2 * s.r > ${total} OR (2 * s.r = ${total} AND mod(s.q, 2) = 1) THEN 1 ELSE 0 END) * 1e-18
    FROM (SELECT div(x.x, ${total}) AS q, mod(x.x, ${total}) AS r FROM (SELECT ${cost} * ${tokens} * 1e18 AS x) x) s)`;

/** Replaces the schema's price table: every cost summed or read from the schema's facts from then on is priced with it. */
export async function writePriceTable(db: SqlRunner, schema: string, table: PriceTable): Promise<void> {
  await db.query(`DELETE FROM ${schema}.model_names`);
  await db.query(`DELETE FROM ${schema}.model_prices`);
  await db.query(`DELETE FROM ${schema}.tool_prices`);
  await addModelNames(db, schema, table);
  await db.query(`INSERT INTO ${schema}.tool_prices SELECT * FROM json_populate_recordset(NULL::${schema}.tool_prices, $1::json)`, [
    JSON.stringify(table.tools),
  ]);
  // Every read of per-call costs joins these: with their true (small) sizes the planner hashes them, never the facts.
  await db.query(`ANALYZE ${schema}.model_names, ${schema}.model_prices, ${schema}.tool_prices`);
}

/** Adds names the schema has not seen, with their bands (a price table compiled for just those names). */
export async function addModelNames(db: SqlRunner, schema: string, table: Pick<PriceTable, 'names' | 'models'>): Promise<void> {
  if (!table.names.length) return;
  await db.query(`INSERT INTO ${schema}.model_names SELECT * FROM json_populate_recordset(NULL::${schema}.model_names, $1::json)`, [JSON.stringify(table.names)]);
  await db.query(`INSERT INTO ${schema}.model_prices SELECT * FROM json_populate_recordset(NULL::${schema}.model_prices, $1::json)`, [JSON.stringify(table.models)]);
}

/** The names of `names` (distinct) that the schema has not resolved yet. */
export async function unseenModelNames(db: SqlRunner, schema: string, names: readonly ModelName[]): Promise<ModelName[]> {
  if (!names.length) return [];
  const { rows } = await db.query<ModelName>(
    `SELECT DISTINCT n.provider, n.name FROM json_to_recordset($1::json) AS n(provider text, name text)
     WHERE NOT EXISTS (SELECT 1 FROM ${schema}.model_names s WHERE s.name = n.name COLLATE "C" AND s.provider = n.provider COLLATE "C")`,
    [JSON.stringify(names)],
  );
  return rows;
}

/** Every name the schema resolves: what a new price table for it must price. */
export async function modelNamesOf(db: SqlRunner, schema: string): Promise<ModelName[]> {
  return (await db.query<ModelName>(`SELECT provider, name FROM ${schema}.model_names ORDER BY name, provider`)).rows;
}
