import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { PriceCatalog, priceToolCall, priceUsage } from '@ledger/pricing';
import type { SqlRunner } from '../cost.projection';

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

function scopeFilter(scope: PriceScope): { where: string; params: unknown[] } {
  const params: unknown[] = [scope.names, scope.from, scope.to ?? null];
  const where =
    scope.kind === 'model'
      ? `event_type = 'TokenUsed' AND model = ANY($1::text[])`
      : `event_type = 'ToolCalled' AND tool_name = ANY($1::text[]) AND price_ref IS DISTINCT FROM 'reported'`;
  return { where: `${where} AND occurred_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR occurred_at < $3::timestamptz)`, params };
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

interface FactRow {
  workspace_id: string;
  event_type: string;
  model: string | null;
  tool_name: string | null;
  occurred_at: Date;
  input_tokens: string;
  output_tokens: string;
  cache_creation_tokens: string;
  cache_read_tokens: string;
  duration_ms: string | null;
  token_cost: string | null;
  compute_cost: string;
}

/**
 * What a candidate catalog would change: every event in scope is priced with it
 * (the same pure functions the projection uses) and compared with its current
 * cost, per workspace and model (or tool). Nothing is written.
 */
export async function previewChange(db: SqlRunner, scopes: readonly PriceScope[], candidate: PriceCatalog): Promise<PreviewLine[]> {
  const lines = new Map<string, { workspace_id: string; model: string; events: number; before: Big; after: Big; ub: number; ua: number }>();
  for (const scope of scopes) {
    const { where, params } = scopeFilter(scope);
    const { rows } = await db.query<FactRow>(
      `SELECT workspace_id, event_type, model, tool_name, occurred_at, input_tokens, output_tokens, cache_creation_tokens,
              cache_read_tokens, duration_ms, token_cost::text, compute_cost::text
       FROM ${S}.cost_facts WHERE ${where}`,
      params,
    );
    for (const r of rows) {
      const name = r.model ?? r.tool_name!;
      const key = `${r.workspace_id}\u0000${name}`;
      const line = lines.get(key) ?? { workspace_id: r.workspace_id, model: name, events: 0, before: new Big(0), after: new Big(0), ub: 0, ua: 0 };
      line.events++;
      const at = r.occurred_at.getTime();
      if (r.event_type === 'TokenUsed') {
        const tokens = { input: Number(r.input_tokens), output: Number(r.output_tokens), cacheCreation: Number(r.cache_creation_tokens), cacheRead: Number(r.cache_read_tokens) };
        if (r.token_cost === null) line.ub++;
        else line.before = line.before.plus(r.token_cost);
        const after = priceUsage(candidate, name, at, tokens);
        if (after) line.after = line.after.plus(after.cost);
        else line.ua++;
      } else {
        line.before = line.before.plus(r.compute_cost);
        line.after = line.after.plus(priceToolCall(candidate, name, at, r.duration_ms === null ? null : Number(r.duration_ms)) ?? 0);
      }
      lines.set(key, line);
    }
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
