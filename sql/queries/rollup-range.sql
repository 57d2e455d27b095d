-- Rendered from libs/queries/src/cost-range-summary/rollup-range.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- ROLLUP: the range summary and the time series
WITH whole AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) AS w(lo, hi)),
     edge AS (SELECT * FROM unnest($4::timestamptz[], $5::timestamptz[]) AS e(lo, hi)),
     days AS (SELECT * FROM unnest($6::timestamptz[], $7::timestamptz[]) AS d(lo, hi)),
parts AS (
  SELECT width_bucket(d.day, $8::timestamptz[]) AS i, d.dimension AS dim, d.key, d.token_cost AS tc, d.compute_cost AS cc,
    d.input_tokens AS it, d.output_tokens AS ot, d.cache_creation_tokens AS cct, d.cache_read_tokens AS crt, d.calls, d.tool_calls AS tcalls,
    d.unpriced_calls AS unpriced
  FROM days w CROSS JOIN LATERAL (
    SELECT * FROM read_model.daily_costs d
    WHERE d.workspace_id = $1 AND d.dimension = ANY($9::text[]) AND d.day >= w.lo AND d.day < w.hi OFFSET 0) d
  UNION ALL
  SELECT width_bucket(h.hour, $8::timestamptz[]), h.dimension, h.key, h.token_cost, h.compute_cost,
    h.input_tokens, h.output_tokens, h.cache_creation_tokens, h.cache_read_tokens, h.calls, h.tool_calls, h.unpriced_calls
  FROM whole w CROSS JOIN LATERAL (
    SELECT * FROM read_model.hourly_costs h
    WHERE h.workspace_id = $1 AND h.dimension = ANY($9::text[]) AND h.hour >= w.lo AND h.hour < w.hi OFFSET 0) h
  UNION ALL
  SELECT width_bucket(f.occurred_at, $8::timestamptz[]), d.dim, d.key, COALESCE(f.token_cost, 0), f.compute_cost,
    f.input_tokens, f.output_tokens, f.cache_creation_tokens, f.cache_read_tokens, (f.event_type = 'TokenUsed')::int, (f.event_type = 'ToolCalled')::int,
    f.unpriced::int
  FROM edge e CROSS JOIN LATERAL (
    SELECT * FROM read_model.priced_facts f
    WHERE f.workspace_id = $1 AND f.occurred_at >= e.lo AND f.occurred_at < e.hi AND f.event_type IN ('TokenUsed', 'ToolCalled') OFFSET 0) f
  CROSS JOIN LATERAL (VALUES
    (CASE WHEN f.event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END, COALESCE(f.model, f.tool_name)),
    ($10::text, CASE $10::text WHEN 'workflow' THEN f.workflow_id WHEN 'phase' THEN f.phase_id
      WHEN 'service_tier' THEN f.service_tier WHEN 'speed' THEN f.speed END)) AS d(dim, key)
  WHERE d.key IS NOT NULL
)
SELECT i, dim, CASE WHEN GROUPING(gkey) = 0 THEN gkey END AS key,
  trim_scale(sum(tc))::text AS token_cost, trim_scale(sum(cc))::text AS compute_cost, sum(it)::text AS input_tokens,
  sum(ot)::text AS output_tokens, sum(cct)::text AS cache_creation_tokens, sum(crt)::text AS cache_read_tokens,
  sum(calls)::text AS calls, sum(tcalls)::text AS tool_calls, sum(unpriced)::text AS unpriced_calls
FROM (SELECT parts.*, CASE WHEN dim = $10::text THEN key END AS gkey FROM parts) p
GROUP BY GROUPING SETS ((i, dim), (i, dim, gkey))
HAVING GROUPING(gkey) = 1 OR gkey IS NOT NULL;

-- RUNS
WITH whole AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) AS w(lo, hi)),
     edge AS (SELECT * FROM unnest($4::timestamptz[], $5::timestamptz[]) AS e(lo, hi)),
     days AS (SELECT * FROM unnest($6::timestamptz[], $7::timestamptz[]) AS d(lo, hi))
SELECT count(*)::int AS runs FROM (
  SELECT r.key FROM days w CROSS JOIN LATERAL (
    SELECT d.key FROM read_model.daily_costs d
    WHERE d.workspace_id = $1 AND d.dimension = 'execution' AND d.day >= w.lo AND d.day < w.hi OFFSET 0) r
  UNION
  SELECT r.key FROM whole w CROSS JOIN LATERAL (
    SELECT h.key FROM read_model.hourly_costs h
    WHERE h.workspace_id = $1 AND h.dimension = 'execution' AND h.hour >= w.lo AND h.hour < w.hi OFFSET 0) r
  UNION
  SELECT r.key FROM edge e CROSS JOIN LATERAL (
    SELECT f.execution_id AS key FROM read_model.cost_facts f
    WHERE f.workspace_id = $1 AND f.occurred_at >= e.lo AND f.occurred_at < e.hi
      AND f.execution_id IS NOT NULL AND f.event_type IN ('TokenUsed', 'ToolCalled') OFFSET 0) r) runs;
