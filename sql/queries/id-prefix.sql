-- Rendered from libs/queries/src/shared/id-prefix.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- candidatesSql(SESSION_IDS), no optional filter
SELECT DISTINCT session_id AS id FROM read_model.session_costs
   WHERE session_id >= $1 AND session_id < $2 AND true
   ORDER BY 1 LIMIT 11;

-- candidatesSql(EXECUTION_IDS), no optional filter
SELECT DISTINCT execution_id AS id FROM read_model.execution_index
   WHERE execution_id >= $1 AND execution_id < $2 AND true
   ORDER BY 1 LIMIT 11;
