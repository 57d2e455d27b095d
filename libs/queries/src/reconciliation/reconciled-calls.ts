import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';

const S = READ_MODEL_SCHEMA;

/*
 * Reconciliation compares the ledger's cost of a call with the cost its runtime reported
 * (`TokenUsed.reported_cost_usd`, stored as `cost_facts.reported_cost`). The computed cost is never
 * replaced by the reported one: the reported figure only ever appears beside it.
 */

/**
 * A reconciled call: a TokenUsed call with both a computed and a reported cost. A partly priced call
 * (a class its band has no rate for) is not one: its `token_cost` is only the known part, so its drift
 * would be the missing part, not a disagreement. It counts with the calls that could not be priced.
 */
export const RECONCILED = (f: string) =>
  `${f}.event_type = 'TokenUsed' AND ${f}.reported_cost IS NOT NULL AND ${f}.token_cost IS NOT NULL AND NOT ${f}.unpriced`;

/** A TokenUsed call that reported a cost the ledger could not (fully) price. */
export const UNPRICED_REPORTED = (f: string) =>
  `${f}.event_type = 'TokenUsed' AND ${f}.reported_cost IS NOT NULL AND (${f}.token_cost IS NULL OR ${f}.unpriced)`;

/**
 * `cost_drift_usd` of the facts matching `where` (over `priced_facts f`): computed minus reported, summed
 * over the reconciled calls; NULL when there is none. Only facts with a reported cost are priced.
 */
export const costDrift = (where: string) =>
  `(SELECT trim_scale(sum(f.token_cost - f.reported_cost))::text FROM ${S}.priced_facts f WHERE ${where} AND ${RECONCILED('f')})`;

/** Rounds toward zero to whole units: the quotient of an exact division, its remainder taken apart. */
const Truncating = Big();
Truncating.DP = 0;
Truncating.RM = Big.roundDown;

/**
 * `numerator / denominator` rounded half-even to `places` decimal places, exactly: from the truncated
 * quotient of numerator × 10^places and its exact remainder (a quotient rounded to some places and then
 * to `places` would round twice). Null when the denominator is 0.
 */
export function exactRatio(numerator: string, denominator: string, places = 6): string | null {
  const d = new Big(denominator);
  if (d.eq(0)) return null;
  const scaled = new Big(numerator).times(new Big(10).pow(places));
  let q = new Big(new Truncating(scaled).div(d));
  const twiceRest = scaled.minus(q.times(d)).abs().times(2);
  const cmp = twiceRest.cmp(d.abs());
  if (cmp > 0 || (cmp === 0 && q.mod(2).abs().eq(1))) q = q.plus(scaled.s * d.s);
  return q.div(new Big(10).pow(places)).toFixed();
}
