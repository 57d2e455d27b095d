import { pricedFacts, USAGE_CLASSES, UsageClass, UsageField } from '@ledger/pricing';
import type { Pool } from 'pg';

/**
 * Why a model name's calls are unpriced, from the call's band and the name's resolution:
 * - `unresolved`: no catalog model matches the name (as sent, with its provider);
 * - `no_price_then`: it resolves, but no row of that model is in force at the call's instant;
 * - `partial`: a row prices the call, but not a class it used (web search on a row without that rate).
 */
export type UnpricedReason = 'unresolved' | 'no_price_then' | 'partial';
export const UNPRICED_REASONS: readonly UnpricedReason[] = ['unresolved', 'no_price_then', 'partial'];

/** The classes a row may leave without a rate: the only ones that make a priced call `partial`. */
const OPTIONAL_CLASSES: readonly UsageClass[] = USAGE_CLASSES.filter((c: UsageClass) => c.whenMissing === 'unpriced');

export type UnpricedUsage = { [K in UsageField]: number };

/** The unpriced calls of one model name as sent, for one reason. */
export type UnpricedModel = {
  /** The model name as the calls sent it. */
  model: string;
  /** The provider as the calls sent it; null when they named none. */
  provider: string | null;
  /** The catalog model the name resolves to; null when none does. */
  resolved_model: string | null;
  reason: UnpricedReason;
  /** For `partial`: the classes the calls used that the row in force has no rate for. */
  missing_rates: string[];
  calls: number;
  first_seen: string;
  last_seen: string;
  /** The workspaces the calls were made in, most calls first. */
  workspaces: { workspace_id: string; calls: number }[];
} & UnpricedUsage;

export interface UnpricedFilter {
  /** Only this workspace's calls; undefined: every workspace's. */
  readonly workspaceId?: string;
  /** Inclusive bounds on the call's instant, in ms since the epoch. */
  readonly from?: number;
  readonly to?: number;
}

const sums = (agg: (field: string) => string) => USAGE_CLASSES.map((c) => `${agg(c.field)}::bigint AS ${c.field}`).join(', ');

/**
 * The statement and its parameters. The rollups' model rows say where unpriced calls are: per workspace, the days
 * (daily_costs), then within them the hours and names (hourly_costs), each read through its key: a scan of the
 * rollups would read every execution's row.
 * Facts are read only in those hours, through the workspace-and-instant index, and priced as `priced_facts`
 * prices them (`pricedFacts`, the view's own SQL, over just those facts), so a read model of mostly priced usage
 * is never priced in full. A day or hour counts when it overlaps [from, to]; the facts are cut to the exact instants.
 */
export function unpricedStatement(schema: string, filter: UnpricedFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const days: string[] = [];
  const hours: string[] = [];
  const facts: string[] = [];
  // The workspaces to look in: the one asked for, or every one, found by a probe of daily_costs' key each.
  // PostgreSQL 18 can skip through the key by itself, but only when the rollup's statistics are fresh; on a
  // live-projected read model they often are not, and the plan then scans every execution's row of the rollup.
  const workspaces =
    filter.workspaceId !== undefined
      ? `SELECT ${param(filter.workspaceId)}::text COLLATE "C" AS workspace_id`
      : `SELECT min(workspace_id) AS workspace_id FROM ${schema}.daily_costs
         UNION ALL
         SELECT (SELECT min(d.workspace_id) FROM ${schema}.daily_costs d WHERE d.workspace_id > w.workspace_id) FROM workspaces w WHERE w.workspace_id IS NOT NULL`;
  if (filter.from !== undefined) {
    const from = `${param(new Date(filter.from).toISOString())}::timestamptz`;
    days.push(`AND day > ${from} - interval '24 hours'`);
    hours.push(`AND hour > ${from} - interval '1 hour'`);
    facts.push(`AND f.occurred_at >= ${from}`);
  }
  if (filter.to !== undefined) {
    const to = `${param(new Date(filter.to).toISOString())}::timestamptz`;
    days.push(`AND day <= ${to}`);
    hours.push(`AND hour <= ${to}`);
    facts.push(`AND f.occurred_at <= ${to}`);
  }
  const missing = OPTIONAL_CLASSES.map((c) => `bool_or(f.priced_model IS NOT NULL AND f.${c.field} > 0 AND f.cost_${c.key} IS NULL) AS missing_${c.key}`);
  // Each lateral read runs once per day or hour found: the planner cannot know that an hour holds a sliver of a
  // workspace's facts (it guesses 0.5%), and with that guess it prefers pricing every fact to a few index reads.
  // OFFSET 0 keeps the facts' subquery from being merged into the pricing join, where that guess would apply.
  const sql = `
    WITH RECURSIVE workspaces AS (
      ${workspaces}
    ),
    days AS (
      SELECT w.workspace_id, d.day
      FROM workspaces w CROSS JOIN LATERAL (
        SELECT DISTINCT day FROM ${schema}.daily_costs
        WHERE workspace_id = w.workspace_id AND dimension = 'model' AND unpriced_calls > 0 ${days.join(' ')}) d
      WHERE w.workspace_id IS NOT NULL
    ),
    windows AS (
      SELECT d.workspace_id, h.hour, h.names
      FROM days d CROSS JOIN LATERAL (
        SELECT hour, array_agg(key) AS names FROM ${schema}.hourly_costs
        WHERE workspace_id = d.workspace_id AND dimension = 'model' AND hour >= d.day AND hour < d.day + interval '24 hours' AND unpriced_calls > 0 ${hours.join(' ')}
        GROUP BY hour) h
    ),
    window_facts AS (
      SELECT x.* FROM windows w CROSS JOIN LATERAL (
        SELECT * FROM ${schema}.cost_facts f
        WHERE f.workspace_id = w.workspace_id AND f.occurred_at >= w.hour AND f.occurred_at < w.hour + interval '1 hour' AND f.model = ANY (w.names) ${facts.join(' ')}
        OFFSET 0) x
    ),
    per_workspace AS (
      SELECT f.model, f.provider, n.model AS resolved_model,
        CASE WHEN f.priced_model IS NOT NULL THEN 'partial' WHEN n.model IS NOT NULL THEN 'no_price_then' ELSE 'unresolved' END AS reason,
        f.workspace_id, count(*) AS calls, ${sums((field) => `sum(f.${field})`)},
        min(f.occurred_at) AS first_seen, max(f.occurred_at) AS last_seen${missing.map((m) => `,\n        ${m}`).join('')}
      FROM (${pricedFacts(schema, 'window_facts')}) f
      LEFT JOIN ${schema}.model_names n ON n.name = f.model AND n.provider = f.provider
      WHERE f.unpriced
      GROUP BY 1, 2, 3, 4, 5
    )
    SELECT model, provider, resolved_model, reason, sum(calls)::bigint AS calls, ${sums((field) => `sum(${field})`)},
      min(first_seen) AS first_seen, max(last_seen) AS last_seen,
      ARRAY[${OPTIONAL_CLASSES.map((c) => `CASE WHEN bool_or(missing_${c.key}) THEN '${c.key}' END`).join(', ') || 'NULL'}]::text[] AS missing_rates,
      json_agg(json_build_object('workspace_id', workspace_id, 'calls', calls) ORDER BY calls DESC, workspace_id) AS workspaces
    FROM per_workspace
    GROUP BY model, provider, resolved_model, reason
    ORDER BY calls DESC, model, provider, reason`;
  return { sql, params };
}

interface Row {
  model: string;
  provider: string;
  resolved_model: string | null;
  reason: UnpricedReason;
  calls: string;
  first_seen: Date;
  last_seen: Date;
  missing_rates: (string | null)[];
  workspaces: { workspace_id: string; calls: number }[];
  [field: string]: unknown;
}

/**
 * Every model name (with provider, as sent) whose calls are unpriced, per reason, most calls first.
 * Calls of one name can be unpriced for different reasons (before the first row, and partial after it):
 * each reason is its own entry, since each is fixed differently.
 */
export async function readUnpriced(pool: Pool, schema: string, filter: UnpricedFilter): Promise<UnpricedModel[]> {
  const { sql, params } = unpricedStatement(schema, filter);
  const { rows } = await pool.query<Row>(sql, params);
  return rows.map((r) => ({
    model: r.model,
    provider: r.provider === '' ? null : r.provider,
    resolved_model: r.resolved_model,
    reason: r.reason,
    missing_rates: r.missing_rates.filter((k): k is string => k !== null),
    calls: Number(r.calls),
    ...(Object.fromEntries(USAGE_CLASSES.map((c) => [c.field, Number(r[c.field])])) as UnpricedUsage),
    first_seen: r.first_seen.toISOString(),
    last_seen: r.last_seen.toISOString(),
    workspaces: r.workspaces,
  }));
}

const path = (model: string) => `PUT /v1/pricing/models/${encodeURIComponent(model)}`;

/** How to price an entry's calls, in one sentence; a change to the catalog restates them. */
export function unpricedHint(m: Pick<UnpricedModel, 'model' | 'provider' | 'resolved_model' | 'reason' | 'missing_rates' | 'first_seen'>): string {
  switch (m.reason) {
    case 'unresolved':
      return (
        `No catalog model matches ${m.model}${m.provider === null ? '' : ` from provider ${m.provider}`}: ` +
        `set a price for it with ${path(m.model)}, list it in a priced model's aliases with PUT /v1/pricing/models/{model}, or import a catalog that matches it (ledger catalog import).`
      );
    case 'no_price_then':
      return `${m.model} resolves to ${m.resolved_model}, which has no price row in force then: set one effective from ${m.first_seen} or earlier with ${path(m.resolved_model!)}, or import a catalog that has one (ledger catalog import).`;
    case 'partial':
      return `The row pricing ${m.resolved_model} has no ${m.missing_rates.join(' or ') || 'rate for a class'} rate, which these calls used: set the row again with it (${path(m.resolved_model!)}).`;
  }
}
