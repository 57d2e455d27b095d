import Big from 'big.js';
import { WireEvent } from '../data/data-set';
import { CostAccumulator } from '../support/pricing-oracle';

/**
 * The session-cost read model every peer maintains: the part of ours a peer
 * can reasonably be asked to build (one row per session: exact cost, token
 * classes, counts, finalization). Priced per event in Node with the bench's
 * pricing oracle, as a straightforward implementation would.
 */
export interface SessionDelta {
  readonly workspace: string;
  readonly session: string;
  tokenCost: Big;
  computeCost: Big;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  tokenEvents: number;
  unpricedEvents: number;
  toolCalls: number;
  finalized: boolean;
  first: string;
  last: string;
}

const n = (v: unknown) => (typeof v === 'number' ? v : 0);

export function sessionDelta(workspace: string, e: WireEvent): SessionDelta {
  const d: SessionDelta = {
    workspace, session: e.session_id, tokenCost: new Big(0), computeCost: new Big(0), input: 0, output: 0, cacheCreation: 0, cacheRead: 0,
    tokenEvents: 0, unpricedEvents: 0, toolCalls: 0, finalized: false, first: e.occurred_at, last: e.occurred_at,
  };
  if (e.type === 'TokenUsed') {
    d.input = n(e.input_tokens);
    d.output = n(e.output_tokens);
    d.cacheCreation = n(e.cache_creation_tokens);
    d.cacheRead = n(e.cache_read_tokens);
    d.tokenEvents = 1;
    const priced = new CostAccumulator();
    if (priced.add(String(e.model), Date.parse(e.occurred_at), { input: d.input, output: d.output, cacheCreation: d.cacheCreation, cacheRead: d.cacheRead })) {
      d.tokenCost = priced.cost();
    } else {
      d.unpricedEvents = 1;
    }
  } else if (e.type === 'ToolCalled') {
    d.toolCalls = 1;
    d.computeCost = new Big(String(e.compute_cost_usd ?? '0'));
  } else {
    d.finalized = true;
  }
  return d;
}

/** Folds `b` into `a` (same session). */
export function mergeDelta(a: SessionDelta, b: SessionDelta): SessionDelta {
  a.tokenCost = a.tokenCost.plus(b.tokenCost);
  a.computeCost = a.computeCost.plus(b.computeCost);
  a.input += b.input;
  a.output += b.output;
  a.cacheCreation += b.cacheCreation;
  a.cacheRead += b.cacheRead;
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
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cache_creation_tokens bigint NOT NULL DEFAULT 0,
  cache_read_tokens bigint NOT NULL DEFAULT 0,
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
