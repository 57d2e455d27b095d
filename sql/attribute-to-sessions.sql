-- Rendered from libs/projections/src/cost.projection.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- attributeToSessionsSql('read_model')
  WITH mixed AS (
    SELECT workspace_id, session_id FROM read_model.cost_facts GROUP BY session_id, workspace_id
    HAVING min(named_execution_id) <> max(named_execution_id) OR count(named_execution_id) NOT IN (0, count(*))),
  first AS (
    SELECT f.workspace_id, f.session_id, (array_agg(f.named_execution_id ORDER BY commit_pos, prepare_pos) FILTER (WHERE f.named_execution_id IS NOT NULL))[1] AS execution_id
    FROM read_model.cost_facts f JOIN mixed m ON m.session_id = f.session_id AND m.workspace_id = f.workspace_id
    GROUP BY f.session_id, f.workspace_id)
  UPDATE read_model.cost_facts f SET execution_id = first.execution_id FROM first
  WHERE f.session_id = first.session_id AND f.workspace_id = first.workspace_id AND f.execution_id IS DISTINCT FROM first.execution_id;
