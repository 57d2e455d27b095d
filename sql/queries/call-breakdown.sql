-- Rendered from libs/queries/src/workflow-run-cost/call-breakdown.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- STATEMENTS.execution_id.step
SELECT COALESCE(f.step_name, f.phase_id) AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.execution_id.model
SELECT f.model AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.execution_id.phase
SELECT f.phase_id AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.execution_id.price
SELECT f.price_ref AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.session_id.step
SELECT COALESCE(f.step_name, f.phase_id) AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.session_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.session_id.model
SELECT f.model AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.session_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.session_id.phase
SELECT f.phase_id AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.session_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;

-- STATEMENTS.session_id.price
SELECT f.price_ref AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.session_id = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST;
