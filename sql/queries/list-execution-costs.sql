-- Rendered from libs/queries/src/execution-cost/list-execution-costs.query.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- PAGES, no optional filter
SELECT a.*, e.started_at AS cursor_started_at
   FROM read_model.execution_index e
   CROSS JOIN LATERAL (
  SELECT s.workspace_id, s.execution_id, (array_agg(s.workflow_id ORDER BY s.started_at, s.session_id) FILTER (WHERE s.workflow_id IS NOT NULL))[1] AS workflow_id,
    count(*)::int AS session_count, count(*) FILTER (WHERE s.is_finalized)::int AS finalized_count,
    array_agg(s.session_id ORDER BY s.started_at, s.session_id) AS session_ids,
    trim_scale(sum(s.total_cost))::text AS total_cost, trim_scale(sum(s.token_cost))::text AS token_cost, trim_scale(sum(s.compute_cost))::text AS compute_cost,
    trim_scale(sum(s.reported_cost))::text AS reported_cost,
    (SELECT trim_scale(sum(f.token_cost - f.reported_cost))::text FROM read_model.priced_facts f WHERE f.workspace_id = e.workspace_id AND f.execution_id = e.execution_id AND f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced) AS cost_drift,
    sum(s.input_tokens) AS input_tokens, sum(s.output_tokens) AS output_tokens, sum(s.reasoning_tokens) AS reasoning_tokens, sum(s.cache_creation_tokens) AS cache_creation_tokens, sum(s.cache_creation_1h_tokens) AS cache_creation_1h_tokens, sum(s.cache_read_tokens) AS cache_read_tokens, sum(s.web_search_requests) AS web_search_requests, sum(s.total_tokens) AS total_tokens, sum(s.tool_calls) AS tool_calls,
    sum(COALESCE(s.final_num_turns, s.token_events)) AS turns, sum(s.unpriced_events) AS unpriced_events,
    min(s.started_at) AS started_at, max(s.completed_at) AS completed_at, max(GREATEST(s.last_event_at, s.completed_at)) AS last_event_at,
    (
  SELECT json_agg(json_build_array(dimension, key, trim_scale(token_cost)::text, trim_scale(compute_cost)::text, tool_tokens,
    trim_scale(tool_token_cost)::text, calls, attributions, unpriced_calls) ORDER BY dimension, key)
  FROM (
    SELECT d.dimension, d.key, COALESCE(sum(d.token_cost), 0) AS token_cost, sum(d.compute_cost) AS compute_cost,
           sum(d.tool_tokens) AS tool_tokens, sum(d.tool_token_cost) AS tool_token_cost, sum(d.calls)::int AS calls,
           sum(d.attributions)::int AS attributions, sum(d.unpriced_calls)::int AS unpriced_calls
    -- Fenced (OFFSET 0), so each call is priced once, not once for every branch below that reads its cost.
    FROM (SELECT *, input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens AS all_tokens FROM read_model.priced_facts
          WHERE (workspace_id, session_id) IN (SELECT bs.workspace_id, bs.session_id FROM read_model.session_costs bs WHERE bs.workspace_id = s.workspace_id AND bs.execution_id = s.execution_id) OFFSET 0) f
    CROSS JOIN LATERAL (
      SELECT 'model' AS dimension, f.model AS key, f.token_cost, 0::numeric AS compute_cost, 0::bigint AS tool_tokens,
             0::numeric AS tool_token_cost, 1 AS calls, 0 AS attributions, f.unpriced::int AS unpriced_calls
      WHERE f.event_type = 'TokenUsed'
      UNION ALL
      SELECT 'phase', COALESCE(f.phase_id, 'unattributed'), f.token_cost, f.compute_cost, 0, 0, 1, 0, f.unpriced::int
      WHERE f.event_type <> 'SessionFinalized'
      UNION ALL
      SELECT 'tool', f.tool_name, 0, f.compute_cost, 0, 0, 1, 0, 0
      WHERE f.event_type = 'ToolCalled'
      UNION ALL
      SELECT 'tool', t.key, 0, 0, t.value::bigint,
        CASE WHEN f.token_cost IS NULL OR f.all_tokens = 0 THEN 0 ELSE (
    SELECT (s.q + CASE WHEN 2 * s.r > f.all_tokens OR (2 * s.r = f.all_tokens AND mod(s.q, 2) = 1) THEN 1 ELSE 0 END) * 1e-18
    FROM (SELECT div(x.x, f.all_tokens) AS q, mod(x.x, f.all_tokens) AS r FROM (SELECT f.token_cost * t.value::bigint * 1e18 AS x) x) s) END, 0, 1, 0
      FROM jsonb_each_text(COALESCE(f.tool_tokens, '{}'::jsonb)) AS t
      WHERE f.event_type = 'TokenUsed'
      UNION ALL
      SELECT 'class', c.key, COALESCE(c.cost, 0), 0, 0, 0, 1, 0, (c.cost IS NULL)::int
      FROM (VALUES ('input', f.cost_input, f.input_tokens), ('output', f.cost_output, f.output_tokens), ('reasoning', f.cost_reasoning, f.reasoning_tokens), ('cache_creation', f.cost_cache_creation, f.cache_creation_tokens), ('cache_creation_1h', f.cost_cache_creation_1h, f.cache_creation_1h_tokens), ('cache_read', f.cost_cache_read, f.cache_read_tokens), ('web_search', f.cost_web_search, f.web_search_requests)) AS c(key, cost, units)
      WHERE f.event_type = 'TokenUsed' AND c.units > 0
    ) d
    GROUP BY d.dimension, d.key) b) AS breakdown,
    (SELECT pricing_version FROM read_model.checkpoint WHERE projection = 'costs') AS pricing_version
  FROM read_model.session_costs s
  WHERE s.workspace_id = e.workspace_id AND s.execution_id = e.execution_id
  GROUP BY s.workspace_id, s.execution_id) a
   WHERE true
   ORDER BY e.started_at DESC, e.workspace_id DESC, e.execution_id DESC
   LIMIT $1;
