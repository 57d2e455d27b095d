import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { NotFoundError } from '@ledger/http';
import { DataSource } from 'typeorm';
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

@QueryHandler(GetExecutionCost)
export class GetExecutionCostHandler implements IQueryHandler<GetExecutionCost, ExecutionView> {
  constructor(private readonly db: DataSource) {}

  async execute({ scope, executionId, includeBreakdown, includeSessionIds }: GetExecutionCost): Promise<ExecutionView> {
    // The admin key without a workspace: the most recent execution with this id.
    const workspace =
      scope ??
      ((await this.db.query(
        `SELECT workspace_id FROM ${READ_MODEL_SCHEMA}.execution_index WHERE execution_id = $1 ORDER BY started_at DESC LIMIT 1`,
        [executionId],
      )) as { workspace_id: string }[])[0]?.workspace_id;
    const rows: ExecutionRow[] = workspace ? await this.db.query(executionAggregate('$1', '$2'), [workspace, executionId]) : [];
    if (!rows.length) throw new NotFoundError('Execution', 'execution_id');
    return toExecutionView(rows[0], includeBreakdown, includeSessionIds);
  }
}
