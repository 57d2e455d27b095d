-- Rendered from libs/projections/src/cost.projection.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- bulkExecutionsSql('read_model')
INSERT INTO read_model.execution_index (workspace_id, execution_id, started_at)
  SELECT workspace_id, execution_id, min(occurred_at) FROM read_model.cost_facts WHERE execution_id IS NOT NULL GROUP BY execution_id, workspace_id;
