import Big from 'big.js';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_POOL } from '@ledger/database';
import { ValidationError } from '@ledger/http';
import type { Pool } from 'pg';
import { figures, SeriesGroup } from '../cost-timeseries/get-cost-timeseries.query';
import { countRuns, Figures, GroupDimension, isUnpriced, planRange, readRollup } from './rollup-range';
import { isoUtc, parseInclusiveRange } from './instant';

/** Money leaves this family as a JSON number (the Stevora shape), converted once from the exact decimal. */
const usd = (exact: string) => new Big(exact).toNumber();

export interface ModelCost {
  model: string;
  /** Token cost of the model's priced calls, as a JSON number (the Stevora shape); null when none is priced. */
  costUsd: number | null;
  costUsdExact: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  calls: number;
  unpricedCalls: number;
}

export interface CostRangeSummaryView {
  workspaceId: string;
  from: string | null;
  to: string | null;
  /** LLM cost: the priced TokenUsed calls' cost, exactly Σ `byModel[].costUsdExact` (as the seed's examples add up). */
  totalCostUsd: number;
  totalCostUsdExact: string;
  /** Extension: ToolCalled compute cost, not part of `totalCostUsd`. */
  toolComputeCostUsd: number;
  toolComputeCostUsdExact: string;
  totalInputTokens: number;
  totalOutputTokens: number;
  totalCacheCreationTokens: number;
  totalCacheReadTokens: number;
  totalRuns: number;
  /** TokenUsed events: the sum of `byModel[].calls`, and the time series' `calls` over the same range. */
  totalCalls: number;
  /** ToolCalled events. */
  totalToolCalls: number;
  unpricedCalls: number;
  pricingStatus: 'complete' | 'partial';
  byModel: ModelCost[];
  /** With `group_by`: the range's usage per key of that dimension, as a time series' `groups` give a period's. */
  groupBy?: GroupDimension;
  groups?: SeriesGroup[];
}

export class GetCostRangeSummary extends Query<CostRangeSummaryView> {
  constructor(
    /** Undefined for the admin key without `workspace_id`, which this view refuses. */
    readonly scope: string | undefined,
    /** Raw query parameters: ISO-8601 instants, both inclusive, either optional. */
    readonly from: string | undefined,
    readonly to: string | undefined,
    readonly groupBy?: GroupDimension,
  ) {
    super();
  }
}

function modelCost(model: string, f: Figures): ModelCost {
  const cost = isUnpriced(f) ? null : f.tokenCost;
  return {
    model,
    costUsd: cost === null ? null : usd(cost),
    costUsdExact: cost,
    inputTokens: f.inputTokens,
    outputTokens: f.outputTokens,
    cacheCreationTokens: f.cacheCreationTokens,
    cacheReadTokens: f.cacheReadTokens,
    calls: f.calls,
    unpricedCalls: f.unpricedCalls,
  };
}

/**
 * The Stevora workspace summary over `[from, to]`, exact to the millisecond: whole UTC days and hours from the
 * rollups, the partial hours at either end per call (see docs/adr/0007-exact-range-summaries.md).
 */
@QueryHandler(GetCostRangeSummary)
export class GetCostRangeSummaryHandler implements IQueryHandler<GetCostRangeSummary, CostRangeSummaryView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, from, to, groupBy }: GetCostRangeSummary): Promise<CostRangeSummaryView> {
    const range = parseInclusiveRange(from, to);
    if (scope === undefined) {
      throw new ValidationError([{ field: 'workspace_id', location: 'query', message: 'the admin key must name the workspace_id to summarise' }]);
    }
    // Usage is stored to the millisecond, so the inclusive `to` is the exclusive bound one millisecond later.
    const plan = planRange([range.from ?? -Infinity, range.to === undefined ? Infinity : range.to + 1]);
    const [[bucket], runs, grouped] = await Promise.all([
      readRollup(this.pool, scope, plan, 'model'),
      countRuns(this.pool, scope, plan),
      groupBy && groupBy !== 'model' ? readRollup(this.pool, scope, plan, groupBy).then(([b]) => b) : undefined,
    ]);
    const { total } = bucket;
    // Groups come most expensive first; the null key is the remainder, the tool calls.
    const byModel = bucket.groups.flatMap((g) => (g.key === null ? [] : [modelCost(g.key, g.figures)]));
    return {
      workspaceId: scope,
      from: isoUtc(range.from),
      to: isoUtc(range.to),
      totalCostUsd: usd(total.tokenCost),
      totalCostUsdExact: total.tokenCost,
      toolComputeCostUsd: usd(total.computeCost),
      toolComputeCostUsdExact: total.computeCost,
      totalInputTokens: total.inputTokens,
      totalOutputTokens: total.outputTokens,
      totalCacheCreationTokens: total.cacheCreationTokens,
      totalCacheReadTokens: total.cacheReadTokens,
      totalRuns: runs,
      totalCalls: total.calls,
      totalToolCalls: total.toolCalls,
      unpricedCalls: total.unpricedCalls,
      pricingStatus: total.unpricedCalls > 0 ? 'partial' : 'complete',
      byModel,
      ...(groupBy && {
        groupBy,
        groups: (grouped ?? bucket).groups.map((g) => ({ key: g.key, ...figures(g.figures, !isUnpriced(g.figures)) })),
      }),
    };
  }
}
