import Big from 'big.js';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_POOL } from '@ledger/database';
import { FieldProblem, ValidationError } from '@ledger/http';
import type { Pool } from 'pg';
import { Figures, GroupDimension, isUnpriced, planRange, readRollup } from '../cost-range-summary/rollup-range';
import { isoUtc, parseInstant } from '../cost-range-summary/instant';
import { Boundary, bucketBoundaries, Granularity, isValidZone, localIso, MAX_BUCKETS } from './time-buckets';

export interface SeriesFigures {
  /** LLM cost of the priced calls, as a JSON number; null for a group whose calls are all unpriced. */
  costUsd: number | null;
  costUsdExact: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** TokenUsed events (model calls), as the summary's `totalCalls` counts them. */
  calls: number;
  /** ToolCalled events. */
  toolCalls: number;
  /** ToolCalled compute cost, not part of `costUsd`. */
  toolComputeCostUsd: number;
  toolComputeCostUsdExact: string;
  unpricedCalls: number;
}

export interface SeriesGroup extends SeriesFigures {
  /** Null: the bucket's usage without the attribute (see the ADR and the controller's docs). */
  key: string | null;
}

export interface SeriesBucket extends SeriesFigures {
  /** Local start and end of the period in `tz`, with the offset in force at each: `[start, end)`. */
  start: string;
  end: string;
  groups: SeriesGroup[];
}

export interface CostTimeseriesView {
  workspaceId: string;
  granularity: Granularity;
  tz: string;
  from: string;
  to: string;
  groupBy: GroupDimension | null;
  /** LLM cost over `[from, to]`: the summary's `totalCostUsd` for the same range. */
  totalCostUsd: number;
  totalCostUsdExact: string;
  toolComputeCostUsd: number;
  toolComputeCostUsdExact: string;
  buckets: SeriesBucket[];
}

export class GetCostTimeseries extends Query<CostTimeseriesView> {
  constructor(
    readonly scope: string | undefined,
    /** Raw ISO-8601 instants; both required, both inclusive. */
    readonly from: string | undefined,
    readonly to: string | undefined,
    readonly granularity: Granularity,
    readonly groupBy: GroupDimension | undefined,
    /** An IANA zone name (Area/City) or UTC. */
    readonly tz: string,
  ) {
    super();
  }
}

/** `priced`: false for a group whose calls are all unpriced, whose cost is unknown. */
export function figures(f: Figures, priced = true): SeriesFigures {
  return {
    costUsd: priced ? new Big(f.tokenCost).toNumber() : null,
    costUsdExact: priced ? f.tokenCost : null,
    inputTokens: f.inputTokens,
    outputTokens: f.outputTokens,
    cacheCreationTokens: f.cacheCreationTokens,
    cacheReadTokens: f.cacheReadTokens,
    calls: f.calls,
    toolCalls: f.toolCalls,
    toolComputeCostUsd: new Big(f.computeCost).toNumber(),
    toolComputeCostUsdExact: f.computeCost,
    unpricedCalls: f.unpricedCalls,
  };
}

function validate(q: GetCostTimeseries): { from: number; to: number; boundaries: Boundary[] } {
  const problems: FieldProblem[] = [];
  const instant = (value: string | undefined, field: 'from' | 'to') => {
    if (value === undefined) {
      problems.push({ field, location: 'query', message: `${field} is required: an ISO-8601 date-time with a timezone` });
      return undefined;
    }
    try {
      return parseInstant(value, field);
    } catch (err) {
      problems.push(...(err as ValidationError).problems);
      return undefined;
    }
  };
  const from = instant(q.from, 'from');
  const to = instant(q.to, 'to');
  if (!isValidZone(q.tz)) problems.push({ field: 'tz', location: 'query', message: 'tz must be an IANA time zone name such as Europe/Berlin, or UTC' });
  if (q.scope === undefined) problems.push({ field: 'workspace_id', location: 'query', message: 'the admin key must name the workspace_id to read' });
  if (problems.length) throw new ValidationError(problems);
  if (from! > to!) throw new ValidationError([{ field: 'from', location: 'query', message: 'from must not be after to' }]);
  const boundaries = bucketBoundaries(from!, to!, q.granularity, q.tz);
  if (!boundaries) {
    throw new ValidationError([
      { field: 'to', location: 'query', message: `the range needs more than ${MAX_BUCKETS} ${q.granularity} buckets; narrow from/to or choose a coarser granularity` },
    ]);
  }
  return { from: from!, to: to!, boundaries };
}

/**
 * `GET /v1/cost/timeseries`: cost per calendar period of a time zone, optionally per group. Every period
 * from the one containing `from` to the one containing `to` is present, as zeros when empty; the first and
 * the last are clipped to `[from, to]`, so the series covers exactly the range the summary does. Exact like
 * the summary: whole UTC days and hours from the rollups, hours cut by a boundary or a bound per call.
 */
@QueryHandler(GetCostTimeseries)
export class GetCostTimeseriesHandler implements IQueryHandler<GetCostTimeseries, CostTimeseriesView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute(q: GetCostTimeseries): Promise<CostTimeseriesView> {
    const { from, to, boundaries } = validate(q);
    // The periods' boundaries, the outer two moved in to the range's bounds (`to` inclusive, to the millisecond).
    const clipped = [from, ...boundaries.slice(1, -1).map((b) => b.at), to + 1];
    const rollup = await readRollup(this.pool, q.scope!, planRange(clipped), q.groupBy);
    let total = new Big(0);
    let compute = new Big(0);
    const buckets = rollup.map((b, i): SeriesBucket => {
      total = total.plus(b.total.tokenCost);
      compute = compute.plus(b.total.computeCost);
      return {
        start: localIso(boundaries[i]),
        end: localIso(boundaries[i + 1]),
        ...figures(b.total),
        groups: b.groups.map((g) => ({ key: g.key, ...figures(g.figures, !isUnpriced(g.figures)) })),
      };
    });
    return {
      workspaceId: q.scope!,
      granularity: q.granularity,
      tz: q.tz,
      from: isoUtc(from)!,
      to: isoUtc(to)!,
      groupBy: q.groupBy ?? null,
      totalCostUsd: total.toNumber(),
      totalCostUsdExact: total.toFixed(),
      toolComputeCostUsd: compute.toNumber(),
      toolComputeCostUsdExact: compute.toFixed(),
      buckets,
    };
  }
}
