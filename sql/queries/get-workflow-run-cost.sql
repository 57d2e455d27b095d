-- Rendered from libs/queries/src/workflow-run-cost/get-workflow-run-cost.query.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- RUN
SELECT t.*, r.*, (SELECT (array_agg(s.workflow_id ORDER BY s.started_at, s.session_id) FILTER (WHERE s.workflow_id IS NOT NULL))[1] FROM read_model.session_costs s WHERE s.execution_id = e.execution_id AND s.workspace_id = e.workspace_id) AS workflow_id
FROM read_model.execution_index e
CROSS JOIN LATERAL (
  SELECT trim_scale(COALESCE(sum(h.token_cost), 0))::text AS token_cost, trim_scale(COALESCE(sum(h.compute_cost), 0))::text AS compute_cost,
    COALESCE(sum(h.calls), 0)::text AS calls, COALESCE(sum(h.tool_calls), 0)::text AS tool_calls,
    COALESCE(sum(h.unpriced_calls), 0)::text AS unpriced_calls
  FROM read_model.hourly_costs h
  WHERE h.workspace_id = e.workspace_id AND h.dimension = 'execution' AND h.key = e.execution_id) t
CROSS JOIN LATERAL (
  SELECT trim_scale(sum(f.reported_cost))::text AS reported_cost,
    trim_scale(sum(f.token_cost - f.reported_cost) FILTER (WHERE f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced))::text AS cost_drift
  FROM read_model.priced_facts f
  WHERE f.workspace_id = e.workspace_id AND f.execution_id = e.execution_id AND f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL) r
WHERE e.execution_id = $1 AND e.workspace_id = $2;

-- FIRST_CALLS
SELECT f.event_id, f.session_id, COALESCE(f.step_name, f.phase_id) AS step_name, f.model, NULLIF(f.provider, '') AS provider, f.priced_model, f.price_ref,
  f.input_tokens::text AS input_tokens, f.output_tokens::text AS output_tokens, f.reasoning_tokens::text AS reasoning_tokens, f.cache_creation_tokens::text AS cache_creation_tokens, f.cache_creation_1h_tokens::text AS cache_creation_1h_tokens, f.cache_read_tokens::text AS cache_read_tokens, f.web_search_requests::text AS web_search_requests, f.service_tier, f.speed, f.inference_geo,
  trim_scale(f.token_cost)::text AS cost, f.unpriced, f.occurred_at,
  to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed'

ORDER BY f.occurred_at, f.event_id
LIMIT $3;

-- CALLS_AFTER
SELECT f.event_id, f.session_id, COALESCE(f.step_name, f.phase_id) AS step_name, f.model, NULLIF(f.provider, '') AS provider, f.priced_model, f.price_ref,
  f.input_tokens::text AS input_tokens, f.output_tokens::text AS output_tokens, f.reasoning_tokens::text AS reasoning_tokens, f.cache_creation_tokens::text AS cache_creation_tokens, f.cache_creation_1h_tokens::text AS cache_creation_1h_tokens, f.cache_read_tokens::text AS cache_read_tokens, f.web_search_requests::text AS web_search_requests, f.service_tier, f.speed, f.inference_geo,
  trim_scale(f.token_cost)::text AS cost, f.unpriced, f.occurred_at,
  to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed'
  AND (f.occurred_at, f.event_id) > ($4::timestamptz, $5::text)
ORDER BY f.occurred_at, f.event_id
LIMIT $3;

-- CLASSES
SELECT c.key, trim_scale(COALESCE(sum(c.cost), 0))::text AS cost, sum(c.units)::text AS units, count(*)::int AS calls,
  count(*) FILTER (WHERE c.cost IS NULL)::int AS unpriced_calls
FROM read_model.priced_facts f CROSS JOIN LATERAL (VALUES ('input', f.cost_input, f.input_tokens), ('output', f.cost_output, f.output_tokens), ('reasoning', f.cost_reasoning, f.reasoning_tokens), ('cache_creation', f.cost_cache_creation, f.cache_creation_tokens), ('cache_creation_1h', f.cost_cache_creation_1h, f.cache_creation_1h_tokens), ('cache_read', f.cost_cache_read, f.cache_read_tokens), ('web_search', f.cost_web_search, f.web_search_requests)) AS c(key, cost, units)
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed' AND c.units > 0
GROUP BY c.key;

-- HOLDING
SELECT DISTINCT workspace_id FROM read_model.execution_index WHERE execution_id = $1 ORDER BY workspace_id LIMIT $2;
