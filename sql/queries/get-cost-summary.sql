-- Rendered from libs/queries/src/cost-summary/get-cost-summary.query.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- IN_WORKSPACE
WITH h AS (
     SELECT dimension, key, sum(token_cost) AS token_cost, sum(compute_cost) AS compute_cost,
            sum(input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens) AS tokens,
            sum(calls) AS calls, sum(tool_calls) AS tool_calls, sum(unpriced_calls) AS unpriced_calls
     FROM read_model.daily_costs
     WHERE workspace_id = $1 AND dimension IN ('model', 'tool')
     GROUP BY dimension, key)
   SELECT
     (SELECT trim_scale(COALESCE(sum(token_cost + compute_cost), 0))::text FROM h) AS total_cost,
     (SELECT COALESCE(sum(tokens), 0) FROM h WHERE dimension = 'model') AS total_tokens,
     (SELECT COALESCE(sum(tool_calls), 0) FROM h WHERE dimension = 'tool') AS total_tool_calls,
     (SELECT count(*) FROM read_model.session_costs WHERE workspace_id = $1) AS total_sessions,
     (SELECT count(*) FROM read_model.execution_index WHERE workspace_id = $1) AS total_executions,
     (SELECT COALESCE(json_agg(json_build_object('model', key, 'total_cost_usd', trim_scale(token_cost)::text, 'cost', trim_scale(token_cost)::text, 'total_tokens', tokens,
               'calls', calls, 'unpriced_calls', unpriced_calls) ORDER BY token_cost DESC, key), '[]')
        FROM (SELECT * FROM h WHERE dimension = 'model' ORDER BY token_cost DESC, key LIMIT 10) m) AS top_models,
     (SELECT COALESCE(json_agg(json_build_object('session_id', session_id, 'execution_id', execution_id,
               'total_cost_usd', trim_scale(total_cost)::text, 'cost', trim_scale(total_cost)::text, 'total_tokens', total_tokens, 'workspace_id', workspace_id)
               ORDER BY total_cost DESC, session_id), '[]')
        FROM (SELECT * FROM read_model.session_costs WHERE workspace_id = $1
              ORDER BY total_cost DESC, session_id LIMIT 10) t) AS top_sessions;

-- ALL_WORKSPACES
WITH h AS (
     SELECT dimension, key, sum(token_cost) AS token_cost, sum(compute_cost) AS compute_cost,
            sum(input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens) AS tokens,
            sum(calls) AS calls, sum(tool_calls) AS tool_calls, sum(unpriced_calls) AS unpriced_calls
     FROM read_model.daily_costs
     WHERE true AND dimension IN ('model', 'tool')
     GROUP BY dimension, key)
   SELECT
     (SELECT trim_scale(COALESCE(sum(token_cost + compute_cost), 0))::text FROM h) AS total_cost,
     (SELECT COALESCE(sum(tokens), 0) FROM h WHERE dimension = 'model') AS total_tokens,
     (SELECT COALESCE(sum(tool_calls), 0) FROM h WHERE dimension = 'tool') AS total_tool_calls,
     (SELECT count(*) FROM read_model.session_costs WHERE true) AS total_sessions,
     (SELECT count(*) FROM read_model.execution_index WHERE true) AS total_executions,
     (SELECT COALESCE(json_agg(json_build_object('model', key, 'total_cost_usd', trim_scale(token_cost)::text, 'cost', trim_scale(token_cost)::text, 'total_tokens', tokens,
               'calls', calls, 'unpriced_calls', unpriced_calls) ORDER BY token_cost DESC, key), '[]')
        FROM (SELECT * FROM h WHERE dimension = 'model' ORDER BY token_cost DESC, key LIMIT 10) m) AS top_models,
     (SELECT COALESCE(json_agg(json_build_object('session_id', session_id, 'execution_id', execution_id,
               'total_cost_usd', trim_scale(total_cost)::text, 'cost', trim_scale(total_cost)::text, 'total_tokens', total_tokens, 'workspace_id', workspace_id)
               ORDER BY total_cost DESC, session_id), '[]')
        FROM (SELECT * FROM read_model.session_costs WHERE true
              ORDER BY total_cost DESC, session_id LIMIT 10) t) AS top_sessions;
