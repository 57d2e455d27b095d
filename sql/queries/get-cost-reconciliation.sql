-- Rendered from libs/queries/src/reconciliation/get-cost-reconciliation.query.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- FIGURES.model, no optional filter
SELECT GROUPING(c.key) = 1 AS total, c.key AS key, count(*)::int AS calls,
  count(*) FILTER (WHERE c.reconciled)::int AS reconciled_calls,
  trim_scale(sum(c.token_cost) FILTER (WHERE c.reconciled))::text AS computed,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.reconciled))::text AS reported,
  trim_scale(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled))::text AS drift,
  count(*) FILTER (WHERE c.unpriced_reported)::int AS unpriced_reported_calls,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.unpriced_reported))::text AS unpriced_reported
FROM (
  SELECT f.model AS key, f.token_cost, f.reported_cost, (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced) AS reconciled,
    (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND (f.token_cost IS NULL OR f.unpriced)) AS unpriced_reported
  FROM read_model.priced_facts f
  WHERE f.workspace_id = $1 AND f.event_type = 'TokenUsed' AND true) c
GROUP BY GROUPING SETS ((c.key), ())
ORDER BY 1 DESC, abs(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled)) DESC NULLS LAST, count(*) DESC, 2 NULLS LAST;

-- FIGURES.workflow, no optional filter
SELECT GROUPING(c.key) = 1 AS total, c.key AS key, count(*)::int AS calls,
  count(*) FILTER (WHERE c.reconciled)::int AS reconciled_calls,
  trim_scale(sum(c.token_cost) FILTER (WHERE c.reconciled))::text AS computed,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.reconciled))::text AS reported,
  trim_scale(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled))::text AS drift,
  count(*) FILTER (WHERE c.unpriced_reported)::int AS unpriced_reported_calls,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.unpriced_reported))::text AS unpriced_reported
FROM (
  SELECT f.workflow_id AS key, f.token_cost, f.reported_cost, (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced) AS reconciled,
    (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND (f.token_cost IS NULL OR f.unpriced)) AS unpriced_reported
  FROM read_model.priced_facts f
  WHERE f.workspace_id = $1 AND f.event_type = 'TokenUsed' AND true) c
GROUP BY GROUPING SETS ((c.key), ())
ORDER BY 1 DESC, abs(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled)) DESC NULLS LAST, count(*) DESC, 2 NULLS LAST;

-- FIGURES.phase, no optional filter
SELECT GROUPING(c.key) = 1 AS total, c.key AS key, count(*)::int AS calls,
  count(*) FILTER (WHERE c.reconciled)::int AS reconciled_calls,
  trim_scale(sum(c.token_cost) FILTER (WHERE c.reconciled))::text AS computed,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.reconciled))::text AS reported,
  trim_scale(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled))::text AS drift,
  count(*) FILTER (WHERE c.unpriced_reported)::int AS unpriced_reported_calls,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.unpriced_reported))::text AS unpriced_reported
FROM (
  SELECT f.phase_id AS key, f.token_cost, f.reported_cost, (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced) AS reconciled,
    (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND (f.token_cost IS NULL OR f.unpriced)) AS unpriced_reported
  FROM read_model.priced_facts f
  WHERE f.workspace_id = $1 AND f.event_type = 'TokenUsed' AND true) c
GROUP BY GROUPING SETS ((c.key), ())
ORDER BY 1 DESC, abs(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled)) DESC NULLS LAST, count(*) DESC, 2 NULLS LAST;

-- FIGURES.none, no optional filter
SELECT true AS total, NULL::text AS key, count(*)::int AS calls,
  count(*) FILTER (WHERE c.reconciled)::int AS reconciled_calls,
  trim_scale(sum(c.token_cost) FILTER (WHERE c.reconciled))::text AS computed,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.reconciled))::text AS reported,
  trim_scale(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled))::text AS drift,
  count(*) FILTER (WHERE c.unpriced_reported)::int AS unpriced_reported_calls,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.unpriced_reported))::text AS unpriced_reported
FROM (
  SELECT NULL::text AS key, f.token_cost, f.reported_cost, (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced) AS reconciled,
    (f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND (f.token_cost IS NULL OR f.unpriced)) AS unpriced_reported
  FROM read_model.priced_facts f
  WHERE f.workspace_id = $1 AND f.event_type = 'TokenUsed' AND true) c
GROUP BY GROUPING SETS (())
ORDER BY 1 DESC, abs(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled)) DESC NULLS LAST, count(*) DESC, 2 NULLS LAST;

-- WORST, no optional filter
SELECT f.event_id, f.session_id, f.execution_id, f.model, f.occurred_at, trim_scale(f.token_cost)::text AS computed,
  trim_scale(f.reported_cost)::text AS reported, trim_scale(f.token_cost - f.reported_cost)::text AS drift
FROM read_model.priced_facts f
WHERE f.workspace_id = $1 AND f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL AND f.token_cost IS NOT NULL AND NOT f.unpriced AND true
ORDER BY abs(f.token_cost - f.reported_cost) DESC, f.occurred_at, f.event_id
LIMIT 10;
