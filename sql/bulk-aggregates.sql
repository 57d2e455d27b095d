-- Rendered from libs/projections/src/cost.projection.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).first[0]
INSERT INTO read_model.session_costs (workspace_id, session_id, execution_id, workflow_id, phase_id,
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
  FROM read_model.cost_facts GROUP BY session_id, workspace_id) sh(workspace_id, session_id, execution_id, workflow_id, phase_id,
    input_tokens, output_tokens, reasoning_tokens, cache_creation_tokens, cache_creation_1h_tokens, cache_read_tokens, web_search_requests, token_events, tool_calls, reported_cost,
    is_finalized, final_status, final_num_turns, final_duration_ms, started_at, completed_at, last_event_at) LEFT JOIN (
    SELECT workspace_id, session_id, sum(token_cost) AS token_cost, sum(compute_cost) AS compute_cost,
      count(*) FILTER (WHERE unpriced) AS unpriced_events
    FROM read_model.priced_usage GROUP BY session_id, workspace_id
  ) c ON c.session_id = sh.session_id AND c.workspace_id = sh.workspace_id;

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).first[1]
INSERT INTO read_model.hourly_costs (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, CASE WHEN event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END AS dimension, COALESCE(model, tool_name) AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM read_model.priced_usage WHERE COALESCE(model, tool_name) IS NOT NULL
  GROUP BY 1, 2, 3, 4;

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).first[2]
INSERT INTO read_model.hourly_costs (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'execution' AS dimension, execution_id AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM read_model.priced_usage WHERE execution_id IS NOT NULL
  GROUP BY 1, 2, 3, 4;

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).first[3]
INSERT INTO read_model.hourly_costs (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'workflow' AS dimension, workflow_id AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM read_model.priced_usage WHERE workflow_id IS NOT NULL
  GROUP BY 1, 2, 3, 4;

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).first[4]
INSERT INTO read_model.hourly_costs (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'phase' AS dimension, phase_id AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM read_model.priced_usage WHERE phase_id IS NOT NULL
  GROUP BY 1, 2, 3, 4;

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).first[5]
WITH served AS MATERIALIZED (SELECT * FROM read_model.priced_usage WHERE service_tier IS NOT NULL OR speed IS NOT NULL) INSERT INTO read_model.hourly_costs (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'service_tier' AS dimension, service_tier AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM served WHERE service_tier IS NOT NULL
  GROUP BY 1, 2, 3, 4 UNION ALL
  SELECT workspace_id, date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z') AS hour, 'speed' AS dimension, speed AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM served WHERE speed IS NOT NULL
  GROUP BY 1, 2, 3, 4;

-- bulkAggregateSql('read_model', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) }).daily
INSERT INTO read_model.daily_costs (workspace_id, day, dimension, key, token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, calls, tool_calls, unpriced_calls)
  SELECT workspace_id, date_bin('1 day', hour, '2000-01-01T00:00:00Z'), dimension, key, sum(token_cost), sum(compute_cost), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), sum(calls), sum(tool_calls), sum(unpriced_calls)
  FROM read_model.hourly_costs GROUP BY 1, 2, 3, 4;
