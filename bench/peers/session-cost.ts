import Big from 'big.js';
import { TOTAL_FIELDS, USAGE_CLASSES, UsageField } from '../../libs/pricing/src/price-dimensions';
import { WireEvent } from '../data/data-set';
import { CostAccumulator } from '../support/pricing-oracle';

/** Every unit a `TokenUsed` call reports, by event field; also the peers' column names. */
export const UNIT_FIELDS: readonly UsageField[] = USAGE_CLASSES.map((c) => c.field);
/** `total_tokens` of a peer's row, in SQL: the classes counted in it (subsets are inside their parents). */
export const TOTAL_TOKENS_SQL = TOTAL_FIELDS.join(' + ');

/**
 * The session-cost read model every peer maintains: the part of ours a peer
 * can reasonably be asked to build (one row per session: exact cost, units per
 * class, counts, finalization). Priced per event in Node with the bench's
 * pricing oracle, as a straightforward implementation would.
 */
export interface SessionDelta {
  readonly workspace: string;
  readonly session: string;
  tokenCost: Big;
  computeCost: Big;
  readonly units: Record<UsageField, number>;
  tokenEvents: number;
  /** Calls with no price, or partly priced (a class their rate set leaves unpriced; the rest is in `tokenCost`). */
  unpricedEvents: number;
  toolCalls: number;
  finalized: boolean;
  first: string;
  last: string;
}

const n = (v: unknown) => (typeof v === 'number' ? v : 0);
const noUnits = () => Object.fromEntries(UNIT_FIELDS.map((f) => [f, 0])) as Record<UsageField, number>;

export function sessionDelta(workspace: string, e: WireEvent): SessionDelta {
  const d: SessionDelta = {
    workspace, session: e.session_id, tokenCost: new Big(0), computeCost: new Big(0), units: noUnits(),
    tokenEvents: 0, unpricedEvents: 0, toolCalls: 0, finalized: false, first: e.occurred_at, last: e.occurred_at,
  };
  if (e.type === 'TokenUsed') {
    for (const f of UNIT_FIELDS) d.units[f] = n(e[f]);
    d.tokenEvents = 1;
    const priced = new CostAccumulator();
    const pricing = priced.add(String(e.model), Date.parse(e.occurred_at), e);
    d.tokenCost = priced.cost();
    if (pricing !== 'priced') d.unpricedEvents = 1;
  } else if (e.type === 'ToolCalled') {
    d.toolCalls = 1;
    d.computeCost = new Big(String(e.compute_cost_usd ?? '0'));
  } else {
    d.finalized = true;
  }
  return d;
}

/** `total_tokens` of a delta. */
export const totalTokens = (d: SessionDelta): number => TOTAL_FIELDS.reduce((sum, f) => sum + d.units[f], 0);

/** Folds `b` into `a` (same session). */
export function mergeDelta(a: SessionDelta, b: SessionDelta): SessionDelta {
  a.tokenCost = a.tokenCost.plus(b.tokenCost);
  a.computeCost = a.computeCost.plus(b.computeCost);
  for (const f of UNIT_FIELDS) a.units[f] += b.units[f];
  a.tokenEvents += b.tokenEvents;
  a.unpricedEvents += b.unpricedEvents;
  a.toolCalls += b.toolCalls;
  a.finalized ||= b.finalized;
  if (b.first < a.first) a.first = b.first;
  if (b.last > a.last) a.last = b.last;
  return a;
}

export const SESSION_COSTS_DDL = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  workspace_id text NOT NULL,
  session_id text NOT NULL,
  token_cost numeric NOT NULL DEFAULT 0,
  compute_cost numeric NOT NULL DEFAULT 0,
  ${UNIT_FIELDS.map((f) => `${f} bigint NOT NULL DEFAULT 0,`).join('\n  ')}
  token_events integer NOT NULL DEFAULT 0,
  unpriced_events integer NOT NULL DEFAULT 0,
  tool_calls integer NOT NULL DEFAULT 0,
  is_finalized boolean NOT NULL DEFAULT false,
  started_at timestamptz NOT NULL,
  last_event_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, session_id))`;

/** A peer's result: one rate, and what it was measured on. */
export interface PeerResult {
  readonly name: string;
  readonly eventsPerS?: number;
  readonly events?: number;
  readonly elapsedMs?: number;
  /** The peer stopped at its time budget before the end of its sample. */
  readonly timeBoxed?: boolean;
  readonly error?: string;
  readonly note?: string;
}
