-- Rendered from libs/projections/src/cost.projection.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- mergeFactsSql('read_model_rebuild_1', 'read_model.cost_facts'), as the blue/green rebuild merges
WITH raw (workspace_id, event_id, event_type, session_id, execution_id, named_execution_id, workflow_id, phase_id, step_name,
  occurred_at, model, provider, input_tokens, output_tokens, reasoning_tokens, cache_creation_tokens, cache_creation_1h_tokens, cache_read_tokens, web_search_requests, service_tier, speed, inference_geo, tool_name, duration_ms,
  reported_compute_cost, status, num_turns, tool_tokens, reported_cost, commit_pos, prepare_pos) AS (SELECT workspace_id, event_id, event_type, session_id, execution_id, named_execution_id, workflow_id, phase_id, step_name,
  occurred_at, model, provider, input_tokens, output_tokens, reasoning_tokens, cache_creation_tokens, cache_creation_1h_tokens, cache_read_tokens, web_search_requests, service_tier, speed, inference_geo, tool_name, duration_ms,
  reported_compute_cost, status, num_turns, tool_tokens, reported_cost, commit_pos, prepare_pos FROM read_model.cost_facts WHERE NOT (commit_pos, prepare_pos) <= ($1::numeric, $2::numeric) AND (commit_pos, prepare_pos) <= ($3::numeric, $4::numeric)),
session_executions AS MATERIALIZED (
  SELECT n.workspace_id, n.session_id, COALESCE(s.execution_id, n.execution_id) AS execution_id,
    s.session_id IS NOT NULL AND s.execution_id IS NULL AND n.execution_id IS NOT NULL AS adopts
  FROM (SELECT workspace_id, session_id, (array_agg(named_execution_id ORDER BY commit_pos, prepare_pos) FILTER (WHERE named_execution_id IS NOT NULL))[1] AS execution_id FROM raw GROUP BY session_id, workspace_id) n
  LEFT JOIN LATERAL (SELECT s.session_id, s.execution_id FROM read_model_rebuild_1.session_costs s
    WHERE s.session_id = n.session_id AND s.workspace_id = n.workspace_id OFFSET 0) s ON true),
facts AS (
  SELECT r.workspace_id, r.event_id, r.event_type, r.session_id, a.execution_id AS execution_id, r.named_execution_id, r.workflow_id, r.phase_id, r.step_name, r.occurred_at, r.model, r.provider, r.input_tokens, r.output_tokens, r.reasoning_tokens, r.cache_creation_tokens, r.cache_creation_1h_tokens, r.cache_read_tokens, r.web_search_requests, r.service_tier, r.speed, r.inference_geo, r.tool_name, r.duration_ms, r.reported_compute_cost, r.status, r.num_turns, r.tool_tokens, r.reported_cost, r.commit_pos, r.prepare_pos FROM raw r LEFT JOIN session_executions a ON a.session_id = r.session_id AND a.workspace_id = r.workspace_id),
adopted AS (SELECT f.workspace_id, f.event_id, f.event_type, f.session_id, a.execution_id AS execution_id, f.named_execution_id, f.workflow_id, f.phase_id, f.step_name, f.occurred_at, f.model, f.provider, f.input_tokens, f.output_tokens, f.reasoning_tokens, f.cache_creation_tokens, f.cache_creation_1h_tokens, f.cache_read_tokens, f.web_search_requests, f.service_tier, f.speed, f.inference_geo, f.tool_name, f.duration_ms, f.reported_compute_cost, f.status, f.num_turns, f.tool_tokens, f.reported_cost, f.commit_pos, f.prepare_pos FROM read_model.cost_facts f JOIN session_executions a
  ON a.adopts AND f.session_id = a.session_id AND f.workspace_id = a.workspace_id WHERE (f.commit_pos, f.prepare_pos) <= ($1::numeric, $2::numeric)),
priced AS (
  SELECT workspace_id, session_id, event_type, occurred_at, model, tool_name, execution_id, workflow_id, phase_id,
  service_tier, speed, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, token_cost, unpriced, compute_cost FROM (
  SELECT f.*, CASE WHEN m.name IS NOT NULL THEN trim_scale(CASE WHEN f.reasoning_tokens = 0 AND f.cache_creation_1h_tokens = 0 AND f.web_search_requests = 0 AND (m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL)) THEN (m.input * f.input_tokens + m.output * f.output_tokens + m.cache_creation * f.cache_creation_tokens + m.cache_read * f.cache_read_tokens) * 0.000001 ELSE CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN (m.input * (f.input_tokens) + m.output * (f.output_tokens - f.reasoning_tokens) + m.reasoning * (f.reasoning_tokens) + m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) + m.cache_creation_1h * (f.cache_creation_1h_tokens) + m.cache_read * (f.cache_read_tokens)) * 0.000001 ELSE (m.input * (f.input_tokens) + m.output * (f.output_tokens - f.reasoning_tokens) + m.reasoning * (f.reasoning_tokens) + m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) + m.cache_creation_1h * (f.cache_creation_1h_tokens) + m.cache_read * (f.cache_read_tokens)) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END + (COALESCE(m.web_search, 0) * (f.web_search_requests)) * 0.001 END) END AS token_cost,
    f.event_type = 'TokenUsed' AND (m.name IS NULL OR (f.web_search_requests > 0 AND m.web_search IS NULL)) AS unpriced,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.input * (f.input_tokens) * 0.000001 ELSE m.input * (f.input_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_input,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.output * (f.output_tokens - f.reasoning_tokens) * 0.000001 ELSE m.output * (f.output_tokens - f.reasoning_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_output,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.reasoning * (f.reasoning_tokens) * 0.000001 ELSE m.reasoning * (f.reasoning_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_reasoning,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) * 0.000001 ELSE m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_cache_creation,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.cache_creation_1h * (f.cache_creation_1h_tokens) * 0.000001 ELSE m.cache_creation_1h * (f.cache_creation_1h_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_cache_creation_1h,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.cache_read * (f.cache_read_tokens) * 0.000001 ELSE m.cache_read * (f.cache_read_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_cache_read,
    trim_scale(m.web_search * (f.web_search_requests) * 0.001) AS cost_web_search,
    CASE WHEN f.event_type = 'ToolCalled' THEN COALESCE(f.reported_compute_cost, trim_scale(tp.per_call + tp.per_second * COALESCE(f.duration_ms, 0) * 0.001), 0) ELSE 0 END AS compute_cost,
    COALESCE(m.price_ref, CASE WHEN f.reported_compute_cost IS NOT NULL THEN 'reported' END) AS price_ref,
    m.model AS priced_model
  FROM facts f
  LEFT JOIN read_model_rebuild_1.model_prices m ON f.event_type = 'TokenUsed' AND m.name = f.model COLLATE "C" AND m.provider = f.provider COLLATE "C" AND f.occurred_at >= m.valid_from AND f.occurred_at < m.valid_to
    AND (f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens) > m.prompt_above AND (f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens) <= COALESCE(m.prompt_upto, 9223372036854775807)
    AND (m.workspace_id = f.workspace_id OR (m.workspace_id IS NULL AND f.workspace_id <> ALL (m.overridden_in)))
  LEFT JOIN read_model_rebuild_1.tool_prices tp ON f.event_type = 'ToolCalled' AND f.reported_compute_cost IS NULL AND tp.tool = f.tool_name COLLATE "C" AND f.occurred_at >= tp.valid_from AND f.occurred_at < tp.valid_to) p WHERE event_type <> 'SessionFinalized' AND true),
priced_adopted AS (
  SELECT workspace_id, session_id, event_type, occurred_at, model, tool_name, execution_id, workflow_id, phase_id,
  service_tier, speed, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, token_cost, unpriced, compute_cost FROM (
  SELECT f.*, CASE WHEN m.name IS NOT NULL THEN trim_scale(CASE WHEN f.reasoning_tokens = 0 AND f.cache_creation_1h_tokens = 0 AND f.web_search_requests = 0 AND (m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL)) THEN (m.input * f.input_tokens + m.output * f.output_tokens + m.cache_creation * f.cache_creation_tokens + m.cache_read * f.cache_read_tokens) * 0.000001 ELSE CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN (m.input * (f.input_tokens) + m.output * (f.output_tokens - f.reasoning_tokens) + m.reasoning * (f.reasoning_tokens) + m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) + m.cache_creation_1h * (f.cache_creation_1h_tokens) + m.cache_read * (f.cache_read_tokens)) * 0.000001 ELSE (m.input * (f.input_tokens) + m.output * (f.output_tokens - f.reasoning_tokens) + m.reasoning * (f.reasoning_tokens) + m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) + m.cache_creation_1h * (f.cache_creation_1h_tokens) + m.cache_read * (f.cache_read_tokens)) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END + (COALESCE(m.web_search, 0) * (f.web_search_requests)) * 0.001 END) END AS token_cost,
    f.event_type = 'TokenUsed' AND (m.name IS NULL OR (f.web_search_requests > 0 AND m.web_search IS NULL)) AS unpriced,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.input * (f.input_tokens) * 0.000001 ELSE m.input * (f.input_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_input,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.output * (f.output_tokens - f.reasoning_tokens) * 0.000001 ELSE m.output * (f.output_tokens - f.reasoning_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_output,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.reasoning * (f.reasoning_tokens) * 0.000001 ELSE m.reasoning * (f.reasoning_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_reasoning,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) * 0.000001 ELSE m.cache_creation * (f.cache_creation_tokens - f.cache_creation_1h_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_cache_creation,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.cache_creation_1h * (f.cache_creation_1h_tokens) * 0.000001 ELSE m.cache_creation_1h * (f.cache_creation_1h_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_cache_creation_1h,
    trim_scale(CASE WHEN m.modifiers IS NULL OR (f.service_tier IS NULL AND f.speed IS NULL AND f.inference_geo IS NULL) THEN m.cache_read * (f.cache_read_tokens) * 0.000001 ELSE m.cache_read * (f.cache_read_tokens) * 0.000001 * COALESCE((m.modifiers->'service_tier'->>f.service_tier)::numeric, 1) * COALESCE((m.modifiers->'speed'->>f.speed)::numeric, 1) * COALESCE((m.modifiers->'inference_geo'->>f.inference_geo)::numeric, 1) END) AS cost_cache_read,
    trim_scale(m.web_search * (f.web_search_requests) * 0.001) AS cost_web_search,
    CASE WHEN f.event_type = 'ToolCalled' THEN COALESCE(f.reported_compute_cost, trim_scale(tp.per_call + tp.per_second * COALESCE(f.duration_ms, 0) * 0.001), 0) ELSE 0 END AS compute_cost,
    COALESCE(m.price_ref, CASE WHEN f.reported_compute_cost IS NOT NULL THEN 'reported' END) AS price_ref,
    m.model AS priced_model
  FROM adopted f
  LEFT JOIN read_model_rebuild_1.model_prices m ON f.event_type = 'TokenUsed' AND m.name = f.model COLLATE "C" AND m.provider = f.provider COLLATE "C" AND f.occurred_at >= m.valid_from AND f.occurred_at < m.valid_to
    AND (f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens) > m.prompt_above AND (f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens) <= COALESCE(m.prompt_upto, 9223372036854775807)
    AND (m.workspace_id = f.workspace_id OR (m.workspace_id IS NULL AND f.workspace_id <> ALL (m.overridden_in)))
  LEFT JOIN read_model_rebuild_1.tool_prices tp ON f.event_type = 'ToolCalled' AND f.reported_compute_cost IS NULL AND tp.tool = f.tool_name COLLATE "C" AND f.occurred_at >= tp.valid_from AND f.occurred_at < tp.valid_to) p WHERE event_type <> 'SessionFinalized' AND true),
sessions AS (
  INSERT INTO read_model_rebuild_1.session_costs AS s (workspace_id, session_id, execution_id, workflow_id, phase_id,
    input_tokens, output_tokens, reasoning_tokens, cache_creation_tokens, cache_creation_1h_tokens, cache_read_tokens, web_search_requests, token_events, tool_calls, reported_cost,
    is_finalized, final_status, final_num_turns, final_duration_ms, started_at, completed_at, last_event_at, token_cost, compute_cost, unpriced_events)
  SELECT sh.workspace_id, sh.session_id, sh.execution_id, sh.workflow_id, sh.phase_id,
    sh.input_tokens, sh.output_tokens, sh.reasoning_tokens, sh.cache_creation_tokens, sh.cache_creation_1h_tokens, sh.cache_read_tokens, sh.web_search_requests, sh.token_events, sh.tool_calls, sh.reported_cost,
    sh.is_finalized, sh.final_status, sh.final_num_turns, sh.final_duration_ms, sh.started_at, sh.completed_at, sh.last_event_at,
    COALESCE(c.token_cost, 0), COALESCE(c.compute_cost, 0), COALESCE(c.unpriced_events, 0)
  FROM (
  SELECT workspace_id, session_id, (array_agg(execution_id ORDER BY commit_pos, prepare_pos) FILTER (WHERE execution_id IS NOT NULL))[1], (array_agg(workflow_id ORDER BY commit_pos, prepare_pos) FILTER (WHERE workflow_id IS NOT NULL))[1], (array_agg(phase_id ORDER BY commit_pos, prepare_pos) FILTER (WHERE phase_id IS NOT NULL))[1],
    sum(input_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cache_creation_tokens), sum(cache_creation_1h_tokens), sum(cache_read_tokens), sum(web_search_requests),
    count(*) FILTER (WHERE event_type = 'TokenUsed'), count(*) FILTER (WHERE event_type = 'ToolCalled'), sum(reported_cost),
    bool_or(event_type = 'SessionFinalized'), (array_agg(status ORDER BY occurred_at DESC, commit_pos DESC, prepare_pos DESC) FILTER (WHERE event_type = 'SessionFinalized'))[1], (array_agg(num_turns ORDER BY occurred_at DESC, commit_pos DESC, prepare_pos DESC) FILTER (WHERE event_type = 'SessionFinalized'))[1], (array_agg(duration_ms ORDER BY occurred_at DESC, commit_pos DESC, prepare_pos DESC) FILTER (WHERE event_type = 'SessionFinalized'))[1],
    min(occurred_at), max(occurred_at) FILTER (WHERE event_type = 'SessionFinalized'), max(occurred_at)
  FROM facts GROUP BY session_id, workspace_id) sh(workspace_id, session_id, execution_id, workflow_id, phase_id,
    input_tokens, output_tokens, reasoning_tokens, cache_creation_tokens, cache_creation_1h_tokens, cache_read_tokens, web_search_requests, token_events, tool_calls, reported_cost,
    is_finalized, final_status, final_num_turns, final_duration_ms, started_at, completed_at, last_event_at) LEFT JOIN (
    SELECT workspace_id, session_id, sum(token_cost) AS token_cost, sum(compute_cost) AS compute_cost,
      count(*) FILTER (WHERE unpriced) AS unpriced_events
    FROM priced GROUP BY session_id, workspace_id
  ) c ON c.session_id = sh.session_id AND c.workspace_id = sh.workspace_id
  ON CONFLICT (workspace_id, session_id) DO UPDATE SET
    execution_id = COALESCE(s.execution_id, excluded.execution_id),
    workflow_id = COALESCE(s.workflow_id, excluded.workflow_id),
    phase_id = COALESCE(s.phase_id, excluded.phase_id),
    token_cost = s.token_cost + excluded.token_cost, compute_cost = s.compute_cost + excluded.compute_cost, input_tokens = s.input_tokens + excluded.input_tokens, output_tokens = s.output_tokens + excluded.output_tokens, reasoning_tokens = s.reasoning_tokens + excluded.reasoning_tokens, cache_creation_tokens = s.cache_creation_tokens + excluded.cache_creation_tokens, cache_creation_1h_tokens = s.cache_creation_1h_tokens + excluded.cache_creation_1h_tokens, cache_read_tokens = s.cache_read_tokens + excluded.cache_read_tokens, web_search_requests = s.web_search_requests + excluded.web_search_requests, token_events = s.token_events + excluded.token_events, unpriced_events = s.unpriced_events + excluded.unpriced_events, tool_calls = s.tool_calls + excluded.tool_calls,
    reported_cost = CASE WHEN s.reported_cost IS NULL THEN excluded.reported_cost
                         WHEN excluded.reported_cost IS NULL THEN s.reported_cost
                         ELSE s.reported_cost + excluded.reported_cost END,
    is_finalized = s.is_finalized OR excluded.is_finalized,
    final_status = CASE WHEN excluded.completed_at IS NOT NULL AND (s.completed_at IS NULL OR excluded.completed_at >= s.completed_at) THEN excluded.final_status ELSE s.final_status END,
    final_num_turns = CASE WHEN excluded.completed_at IS NOT NULL AND (s.completed_at IS NULL OR excluded.completed_at >= s.completed_at) THEN excluded.final_num_turns ELSE s.final_num_turns END,
    final_duration_ms = CASE WHEN excluded.completed_at IS NOT NULL AND (s.completed_at IS NULL OR excluded.completed_at >= s.completed_at) THEN excluded.final_duration_ms ELSE s.final_duration_ms END,
    started_at = LEAST(s.started_at, excluded.started_at),
    completed_at = GREATEST(s.completed_at, excluded.completed_at),
    last_event_at = GREATEST(s.last_event_at, excluded.last_event_at)
  RETURNING 1
),
batch_hours AS MATERIALIZED (
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, CASE WHEN event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END AS dimension, COALESCE(model, tool_name) AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM priced WHERE COALESCE(model, tool_name) IS NOT NULL
  GROUP BY 1, 2, 3, 4 UNION ALL
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'execution' AS dimension, execution_id AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM (SELECT * FROM priced UNION ALL SELECT * FROM priced_adopted) WHERE execution_id IS NOT NULL
  GROUP BY 1, 2, 3, 4 UNION ALL
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'workflow' AS dimension, workflow_id AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM priced WHERE workflow_id IS NOT NULL
  GROUP BY 1, 2, 3, 4 UNION ALL
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'phase' AS dimension, phase_id AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM priced WHERE phase_id IS NOT NULL
  GROUP BY 1, 2, 3, 4 UNION ALL
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'service_tier' AS dimension, service_tier AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM priced WHERE service_tier IS NOT NULL
  GROUP BY 1, 2, 3, 4 UNION ALL
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'speed' AS dimension, speed AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM priced WHERE speed IS NOT NULL
  GROUP BY 1, 2, 3, 4),
hourly AS (
  INSERT INTO read_model_rebuild_1.hourly_costs AS h (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls) SELECT * FROM batch_hours
  ON CONFLICT (workspace_id, dimension, hour, key) DO UPDATE SET token_cost = h.token_cost + excluded.token_cost, compute_cost = h.compute_cost + excluded.compute_cost, input_tokens = h.input_tokens + excluded.input_tokens, output_tokens = h.output_tokens + excluded.output_tokens, cache_creation_tokens = h.cache_creation_tokens + excluded.cache_creation_tokens, cache_read_tokens = h.cache_read_tokens + excluded.cache_read_tokens, calls = h.calls + excluded.calls, tool_calls = h.tool_calls + excluded.tool_calls, unpriced_calls = h.unpriced_calls + excluded.unpriced_calls
  RETURNING 1
),
daily AS (
  INSERT INTO read_model_rebuild_1.daily_costs AS d (workspace_id, day, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 day', hour, '2000-01-01T00:00:00Z'), dimension, key, sum(token_cost), sum(compute_cost), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), sum(calls), sum(tool_calls), sum(unpriced_calls)
  FROM batch_hours GROUP BY 1, 2, 3, 4
  ON CONFLICT (workspace_id, dimension, day, key) DO UPDATE SET token_cost = d.token_cost + excluded.token_cost, compute_cost = d.compute_cost + excluded.compute_cost, input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens, cache_creation_tokens = d.cache_creation_tokens + excluded.cache_creation_tokens, cache_read_tokens = d.cache_read_tokens + excluded.cache_read_tokens, calls = d.calls + excluded.calls, tool_calls = d.tool_calls + excluded.tool_calls, unpriced_calls = d.unpriced_calls + excluded.unpriced_calls
  RETURNING 1
),
executions AS (
  INSERT INTO read_model_rebuild_1.execution_index AS e (workspace_id, execution_id, started_at)
  SELECT workspace_id, execution_id, min(occurred_at) FROM (SELECT * FROM facts UNION ALL SELECT * FROM adopted) WHERE execution_id IS NOT NULL GROUP BY execution_id, workspace_id
  ON CONFLICT (workspace_id, execution_id) DO UPDATE SET started_at = LEAST(e.started_at, excluded.started_at)
  RETURNING 1
)
SELECT (SELECT count(*) FROM facts)::int AS merged;
