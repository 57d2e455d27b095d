import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { NotFoundError } from '@ledger/http';
import type { Pool } from 'pg';
import { EXECUTION_IDS, resolveIdPrefix } from '../shared/id-prefix';
import { soleWorkspace, workspacesHolding } from '../shared/scope';
import { Statement } from '../shared/statement';
import { executionAggregate, ExecutionRow, ExecutionView, toExecutionView } from './execution-cost.view';

export class GetExecutionCost extends Query<ExecutionView> {
  constructor(
    readonly scope: string | undefined,
    readonly executionId: string,
    readonly includeBreakdown: boolean,
    readonly includeSessionIds: boolean,
  ) {
    super();
  }
}

export const HOLDING = workspacesHolding(`${READ_MODEL_SCHEMA}.execution_index`, 'execution_id');
export const EXECUTION = new Statement(executionAggregate('$1', '$2'));

@QueryHandler(GetExecutionCost)
export class GetExecutionCostHandler implements IQueryHandler<GetExecutionCost, ExecutionView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, executionId, includeBreakdown, includeSessionIds }: GetExecutionCost): Promise<ExecutionView> {
    const read = async (id: string) => {
      const workspace = await soleWorkspace(this.pool, scope, HOLDING, id, 'Execution');
      return workspace ? await EXECUTION.rows<ExecutionRow>(this.pool, [workspace, id]) : [];
    };
    let rows = await read(executionId);
    if (!rows.length) rows = await read(await resolveIdPrefix(this.pool, EXECUTION_IDS, scope, executionId));
    if (!rows.length) throw new NotFoundError('Execution', 'execution_id');
    return toExecutionView(rows[0], includeBreakdown, includeSessionIds);
  }
}
