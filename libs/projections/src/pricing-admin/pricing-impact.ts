import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import type { Pool } from 'pg';
import { compilePriceTable, ModelName, modelNamesOf, PriceCatalog, pricedFacts, resolveModel, SqlRunner, writePriceTable } from '@ledger/pricing';
import { createTempPriceTables } from '../cost.projection';

const S = READ_MODEL_SCHEMA;

/**
 * Recorded usage a price row's change can touch: its model (or tool) within its effective range. A model
 * scope is narrowed by `inScope` to the names calls were sent with (`pairs`) before it is measured.
 */
export interface PriceScope {
  readonly kind: 'model' | 'tool';
  /** The catalog models (or names) concerned, or the tool; null: every model. */
  readonly names: readonly string[] | null;
  /** The (provider, name) pairs of the calls in scope; absent: `names` as calls sent them (tools). */
  readonly pairs?: readonly ModelName[];
  /** Only these workspaces' usage (a negotiated price); absent: every workspace's. */
  readonly workspaces?: readonly string[];
  readonly from: string;
  readonly to?: string | null;
}

export interface Impact {
  readonly events: number;
  readonly from: string | null;
  readonly to: string | null;
}

/** The facts in scope, as a condition on `cost_facts`. */
function scopeFilter(scope: PriceScope): { where: string; params: unknown[] } {
  const pairs = scope.names === null ? null : JSON.stringify(scope.pairs ?? []);
  const params: unknown[] = [scope.kind === 'model' ? pairs : scope.names, scope.from, scope.to ?? null, scope.workspaces ?? null];
  const where =
    scope.kind === 'model'
      ? `event_type = 'TokenUsed' AND ($1::json IS NULL OR (model, provider) IN (SELECT n.name, n.provider FROM json_to_recordset($1::json) AS n(provider text, name text)))`
      : `event_type = 'ToolCalled' AND tool_name = ANY($1::text[]) AND reported_compute_cost IS NULL`;
  return {
    where: `${where} AND ($4::text[] IS NULL OR workspace_id = ANY($4::text[]))
      AND occurred_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR occurred_at < $3::timestamptz)`,
    params,
  };
}

/**
 * Narrows model scopes to the names the read model has met whose calls they can reprice: those that resolve to
 * a model in scope before or after the change (or are one, as sent), and those whose resolution the change moves.
 */
export async function inScope(db: SqlRunner, scopes: readonly PriceScope[], before: PriceCatalog, after: PriceCatalog): Promise<PriceScope[]> {
  if (!scopes.some((s) => s.kind === 'model' && s.names !== null)) return [...scopes];
  const names = await modelNamesOf(db, S);
  return scopes.map((scope) => {
    if (scope.kind !== 'model' || scope.names === null) return scope;
    const models = new Set(scope.names);
    const pairs = names.filter((n) => {
      const [was, is] = [resolveModel(before, n.provider || null, n.name), resolveModel(after, n.provider || null, n.name)];
      return models.has(n.name) || (was !== null && models.has(was)) || (is !== null && models.has(is)) || was !== is;
    });
    return { ...scope, pairs };
  });
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
    await createTempPriceTables(client, S);
    await writePriceTable(client, 'pg_temp', compilePriceTable(candidate, await modelNamesOf(client, S)));
    for (const scope of scopes) {
      const { where, params } = scopeFilter(scope);
      // The same facts priced twice: as the read model prices them now, and against the candidate's bands.
      const sums = (priced: string, as: string) => `
        SELECT workspace_id, COALESCE(model, tool_name) AS name, count(*)::int AS events,
          COALESCE(sum(CASE WHEN event_type = 'TokenUsed' THEN token_cost ELSE compute_cost END), 0)::text AS ${as},
          count(*) FILTER (WHERE unpriced)::int AS unpriced_${as}
        FROM (${priced}) f WHERE ${where} GROUP BY 1, 2`;
      const { rows } = await client.query<PreviewRow>(
        `SELECT b.workspace_id, b.name, b.events, b.before, a.after, b.unpriced_before, a.unpriced_after
         FROM (${sums(`SELECT * FROM ${S}.priced_facts`, 'before')}) b
         JOIN (${sums(pricedFacts('pg_temp', `${S}.cost_facts`), 'after')}) a USING (workspace_id, name)`,
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
