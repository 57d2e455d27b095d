import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import type { Pool } from 'pg';
import { compilePriceTable, PriceCatalog } from '@ledger/pricing';
import { modelBandMatch, SqlRunner, tokenCost, toolBandMatch, toolCost, writePriceTable } from '../cost.projection';

const S = READ_MODEL_SCHEMA;

/** Recorded usage a price row's change can touch: its model (or tool) within its effective range. */
export interface PriceScope {
  readonly kind: 'model' | 'tool';
  /** The model with its aliases, or the tool. */
  readonly names: readonly string[];
  readonly from: string;
  readonly to?: string | null;
}

export interface Impact {
  readonly events: number;
  readonly from: string | null;
  readonly to: string | null;
}

/** The facts in scope, as a condition on `cost_facts` (under alias `f`, when given). */
function scopeFilter(scope: PriceScope, f = ''): { where: string; params: unknown[] } {
  const col = (name: string) => (f ? `${f}.${name}` : name);
  const params: unknown[] = [scope.names, scope.from, scope.to ?? null];
  const where =
    scope.kind === 'model'
      ? `${col('event_type')} = 'TokenUsed' AND ${col('model')} = ANY($1::text[])`
      : `${col('event_type')} = 'ToolCalled' AND ${col('tool_name')} = ANY($1::text[]) AND ${col('price_ref')} IS DISTINCT FROM 'reported'`;
  const at = col('occurred_at');
  return { where: `${where} AND ${at} >= $2::timestamptz AND ($3::timestamptz IS NULL OR ${at} < $3::timestamptz)`, params };
}

/** How many recorded events fall in the scope, and when the first and last happened. */
export async function measureImpact(db: SqlRunner, scopes: readonly PriceScope[]): Promise<Impact> {
  let events = 0;
  let from: string | null = null;
  let to: string | null = null;
  for (const scope of scopes) {
    const { where, params } = scopeFilter(scope);
    const { rows } = await db.query<{ n: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS n, min(occurred_at) AS first, max(occurred_at) AS last FROM ${S}.cost_facts WHERE ${where}`,
      params,
    );
    events += rows[0].n;
    const first = rows[0].first?.toISOString() ?? null;
    const last = rows[0].last?.toISOString() ?? null;
    if (first && (!from || first < from)) from = first;
    if (last && (!to || last > to)) to = last;
  }
  return { events, from, to };
}

export interface PreviewLine {
  workspace_id: string;
  model: string;
  events: number;
  before_usd: string;
  after_usd: string;
  delta_usd: string;
  unpriced_before: number;
  unpriced_after: number;
}

interface PreviewRow {
  workspace_id: string;
  name: string;
  events: number;
  before: string;
  after: string;
  unpriced_before: number;
  unpriced_after: number;
}

/**
 * What a candidate catalog would change: its compiled price table goes into temporary tables of
 * this transaction only, every recorded event in scope is priced against it with the projection's
 * own SQL, and the sums are compared with the current costs per workspace and model (or tool).
 * Nothing is written: the transaction rolls back.
 */
export async function previewChange(pool: Pool, scopes: readonly PriceScope[], candidate: PriceCatalog): Promise<PreviewLine[]> {
  const lines = new Map<string, { workspace_id: string; model: string; events: number; before: Big; after: Big; ub: number; ua: number }>();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE model_prices (LIKE ${S}.model_prices) ON COMMIT DROP`);
    await client.query(`CREATE TEMP TABLE tool_prices (LIKE ${S}.tool_prices) ON COMMIT DROP`);
    await writePriceTable(client, 'pg_temp', compilePriceTable(candidate));
    for (const scope of scopes) {
      const { where, params } = scopeFilter(scope, 'f');
      const { rows } = await client.query<PreviewRow>(
        `SELECT f.workspace_id, COALESCE(f.model, f.tool_name) AS name, count(*)::int AS events,
           COALESCE(sum(CASE WHEN f.event_type = 'TokenUsed' THEN f.token_cost ELSE f.compute_cost END), 0)::text AS before,
           COALESCE(sum(CASE WHEN f.event_type = 'TokenUsed' THEN ${tokenCost('m', 'f')} ELSE COALESCE(${toolCost('tp', 'f.duration_ms')}, 0) END), 0)::text AS after,
           count(*) FILTER (WHERE f.event_type = 'TokenUsed' AND f.token_cost IS NULL)::int AS unpriced_before,
           count(*) FILTER (WHERE f.event_type = 'TokenUsed' AND m.price_ref IS NULL)::int AS unpriced_after
         FROM ${S}.cost_facts f
         CROSS JOIN LATERAL (SELECT f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens AS prompt) x
         LEFT JOIN pg_temp.model_prices m ON f.event_type = 'TokenUsed' AND ${modelBandMatch('m', 'f.model', 'f.occurred_at', 'x.prompt')}
         LEFT JOIN pg_temp.tool_prices tp ON f.event_type = 'ToolCalled' AND ${toolBandMatch('tp', 'f.tool_name', 'f.occurred_at')}
         WHERE ${where}
         GROUP BY 1, 2`,
        params,
      );
      for (const r of rows) {
        const key = `${r.workspace_id}\u0000${r.name}`;
        const line = lines.get(key) ?? { workspace_id: r.workspace_id, model: r.name, events: 0, before: new Big(0), after: new Big(0), ub: 0, ua: 0 };
        line.events += r.events;
        line.before = line.before.plus(r.before);
        line.after = line.after.plus(r.after);
        line.ub += r.unpriced_before;
        line.ua += r.unpriced_after;
        lines.set(key, line);
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  return [...lines.values()]
    .sort((a, b) => (a.workspace_id === b.workspace_id ? a.model.localeCompare(b.model) : a.workspace_id.localeCompare(b.workspace_id)))
    .map((l) => ({
      workspace_id: l.workspace_id,
      model: l.model,
      events: l.events,
      before_usd: l.before.toFixed(),
      after_usd: l.after.toFixed(),
      delta_usd: l.after.minus(l.before).toFixed(),
      unpriced_before: l.ub,
      unpriced_after: l.ua,
    }));
}
