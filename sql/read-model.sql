-- Rendered from libs/projections/src/read-model.schema.ts by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.

-- readModel('read_model')[0]
CREATE SCHEMA read_model;

-- readModel('read_model')[1]
CREATE TABLE read_model.projection_state (
       projection text PRIMARY KEY,
       pricing_version bigint NOT NULL DEFAULT 0,
       partitions integer NOT NULL,
       generation bigint NOT NULL DEFAULT 0);

-- readModel('read_model')[2]
CREATE TABLE read_model.partition_checkpoints (
       partition integer PRIMARY KEY,
       commit_pos numeric NOT NULL,
       prepare_pos numeric NOT NULL,
       events_applied bigint NOT NULL DEFAULT 0,
       updated_at timestamptz NOT NULL DEFAULT now()) WITH (fillfactor = 50);

-- readModel('read_model')[3]
CREATE VIEW read_model.checkpoint AS
       SELECT st.projection, lo.commit_pos, lo.prepare_pos, t.events_applied, st.pricing_version, t.updated_at
       FROM read_model.projection_state st
       CROSS JOIN LATERAL (SELECT commit_pos, prepare_pos FROM read_model.partition_checkpoints ORDER BY commit_pos, prepare_pos LIMIT 1) lo
       CROSS JOIN LATERAL (SELECT sum(events_applied)::bigint AS events_applied, max(updated_at) AS updated_at FROM read_model.partition_checkpoints) t;

-- readModel('read_model')[4]
CREATE TABLE read_model.cost_facts (
       workspace_id text COLLATE "C" NOT NULL,
       event_id text COLLATE "C" NOT NULL,
       event_type text COLLATE "C" NOT NULL,
       session_id text COLLATE "C" NOT NULL,
       -- The session's execution, which every event of the session counts under (ADR 0016); the projection
       -- sets it, and moves the session's earlier facts when the session names its first execution.
       execution_id text COLLATE "C",
       -- The execution the event itself names, as the log has it: what the session's execution is derived from.
       named_execution_id text COLLATE "C",
       workflow_id text COLLATE "C",
       phase_id text COLLATE "C",
       step_name text COLLATE "C",
       occurred_at timestamptz NOT NULL,
       model text COLLATE "C",
       -- The provider a TokenUsed call named, '' for none: with the model name, what resolution starts from.
       provider text COLLATE "C",
       input_tokens bigint NOT NULL DEFAULT 0,
       output_tokens bigint NOT NULL DEFAULT 0,
       reasoning_tokens bigint NOT NULL DEFAULT 0,
       cache_creation_tokens bigint NOT NULL DEFAULT 0,
       cache_creation_1h_tokens bigint NOT NULL DEFAULT 0,
       cache_read_tokens bigint NOT NULL DEFAULT 0,
       web_search_requests bigint NOT NULL DEFAULT 0,
       service_tier text COLLATE "C",
       speed text COLLATE "C",
       inference_geo text COLLATE "C",
       tool_name text COLLATE "C",
       duration_ms bigint,
       reported_compute_cost numeric,
       status text COLLATE "C",
       num_turns integer,
       tool_tokens jsonb,
       reported_cost numeric,
       commit_pos numeric NOT NULL,
       prepare_pos numeric NOT NULL);

-- readModel('read_model')[5]
CREATE TABLE read_model.session_costs (
       workspace_id text COLLATE "C" NOT NULL,
       session_id text COLLATE "C" NOT NULL,
       execution_id text COLLATE "C",
       workflow_id text COLLATE "C",
       phase_id text COLLATE "C",
       token_cost numeric NOT NULL DEFAULT 0,
       compute_cost numeric NOT NULL DEFAULT 0,
       total_cost numeric GENERATED ALWAYS AS (token_cost + compute_cost) STORED,
       input_tokens bigint NOT NULL DEFAULT 0,
       output_tokens bigint NOT NULL DEFAULT 0,
       reasoning_tokens bigint NOT NULL DEFAULT 0,
       cache_creation_tokens bigint NOT NULL DEFAULT 0,
       cache_creation_1h_tokens bigint NOT NULL DEFAULT 0,
       cache_read_tokens bigint NOT NULL DEFAULT 0,
       web_search_requests bigint NOT NULL DEFAULT 0,
       total_tokens bigint GENERATED ALWAYS AS (input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens) STORED,
       token_events integer NOT NULL DEFAULT 0,
       unpriced_events integer NOT NULL DEFAULT 0,
       tool_calls integer NOT NULL DEFAULT 0,
       reported_cost numeric,
       is_finalized boolean NOT NULL DEFAULT false,
       final_status text COLLATE "C",
       final_num_turns integer,
       final_duration_ms bigint,
       started_at timestamptz NOT NULL,
       completed_at timestamptz,
       last_event_at timestamptz NOT NULL) WITH (fillfactor = 70);

-- readModel('read_model')[6]
CREATE TABLE read_model.execution_index (
       workspace_id text COLLATE "C" NOT NULL,
       execution_id text COLLATE "C" NOT NULL,
       started_at timestamptz NOT NULL) WITH (fillfactor = 70);

-- readModel('read_model')[7]
CREATE TABLE read_model.hourly_costs (
       workspace_id text COLLATE "C" NOT NULL,
       hour timestamptz NOT NULL,
       dimension text COLLATE "C" NOT NULL,
       key text COLLATE "C" NOT NULL,
       token_cost numeric NOT NULL DEFAULT 0,
       compute_cost numeric NOT NULL DEFAULT 0,
       input_tokens bigint NOT NULL DEFAULT 0,
       output_tokens bigint NOT NULL DEFAULT 0,
       cache_creation_tokens bigint NOT NULL DEFAULT 0,
       cache_read_tokens bigint NOT NULL DEFAULT 0,
       calls integer NOT NULL DEFAULT 0,
       tool_calls integer NOT NULL DEFAULT 0,
       unpriced_calls integer NOT NULL DEFAULT 0) WITH (fillfactor = 70);

-- readModel('read_model')[8]
CREATE TABLE read_model.daily_costs (LIKE read_model.hourly_costs INCLUDING DEFAULTS) WITH (fillfactor = 70);

-- readModel('read_model')[9]
ALTER TABLE read_model.daily_costs RENAME COLUMN hour TO day;

-- readModel('read_model')[10]
CREATE TABLE read_model.model_names (
       provider text COLLATE "C" NOT NULL,
       name text COLLATE "C" NOT NULL,
       model text COLLATE "C",
       PRIMARY KEY (name, provider));

-- readModel('read_model')[11]
CREATE TABLE read_model.model_prices (
       provider text COLLATE "C" NOT NULL,
       name text COLLATE "C" NOT NULL,
       model text COLLATE "C" NOT NULL,
       workspace_id text COLLATE "C",
       overridden_in text[] NOT NULL DEFAULT '{}',
       valid_from timestamptz NOT NULL,
       valid_to timestamptz NOT NULL,
       prompt_above bigint NOT NULL,
       prompt_upto bigint,
       price_ref text COLLATE "C" NOT NULL,
       modifiers jsonb,
       input numeric NOT NULL,
       output numeric NOT NULL,
       reasoning numeric NOT NULL,
       cache_creation numeric NOT NULL,
       cache_creation_1h numeric NOT NULL,
       cache_read numeric NOT NULL,
       web_search numeric);

-- readModel('read_model')[12]
CREATE TABLE read_model.tool_prices (
       tool text COLLATE "C" NOT NULL,
       valid_from timestamptz NOT NULL,
       valid_to timestamptz NOT NULL,
       per_call numeric NOT NULL,
       per_second numeric NOT NULL);

-- readModel('read_model')[13]
CREATE VIEW read_model.priced_facts AS
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
  FROM read_model.cost_facts f
  LEFT JOIN read_model.model_prices m ON f.event_type = 'TokenUsed' AND m.name = f.model COLLATE "C" AND m.provider = f.provider COLLATE "C" AND f.occurred_at >= m.valid_from AND f.occurred_at < m.valid_to
    AND (f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens) > m.prompt_above AND (f.input_tokens + f.cache_creation_tokens + f.cache_read_tokens) <= COALESCE(m.prompt_upto, 9223372036854775807)
    AND (m.workspace_id = f.workspace_id OR (m.workspace_id IS NULL AND f.workspace_id <> ALL (m.overridden_in)))
  LEFT JOIN read_model.tool_prices tp ON f.event_type = 'ToolCalled' AND f.reported_compute_cost IS NULL AND tp.tool = f.tool_name COLLATE "C" AND f.occurred_at >= tp.valid_from AND f.occurred_at < tp.valid_to;

-- readModel('read_model')[14]
ALTER TABLE read_model.cost_facts ADD PRIMARY KEY (event_id, workspace_id);

-- readModel('read_model')[15]
ALTER TABLE read_model.session_costs ADD PRIMARY KEY (session_id, workspace_id);

-- readModel('read_model')[16]
ALTER TABLE read_model.execution_index ADD PRIMARY KEY (execution_id, workspace_id);

-- readModel('read_model')[17]
ALTER TABLE read_model.hourly_costs ADD PRIMARY KEY (workspace_id, dimension, hour, key);

-- readModel('read_model')[18]
ALTER TABLE read_model.daily_costs ADD PRIMARY KEY (workspace_id, dimension, day, key);

-- readModel('read_model')[19]
CREATE INDEX ON read_model.cost_facts (execution_id, workspace_id, occurred_at, event_id) WHERE execution_id IS NOT NULL;

-- readModel('read_model')[20]
CREATE INDEX ON read_model.cost_facts (workspace_id, occurred_at);

-- readModel('read_model')[21]
CREATE INDEX ON read_model.cost_facts (session_id, workspace_id);

-- readModel('read_model')[22]
CREATE INDEX ON read_model.hourly_costs (workspace_id, key, hour) WHERE dimension = 'execution';

-- readModel('read_model')[23]
CREATE INDEX ON read_model.session_costs (workspace_id, started_at DESC, session_id DESC);

-- readModel('read_model')[24]
CREATE INDEX ON read_model.session_costs (started_at DESC, workspace_id DESC, session_id DESC);

-- readModel('read_model')[25]
CREATE INDEX ON read_model.session_costs (execution_id, workspace_id) WHERE execution_id IS NOT NULL;

-- readModel('read_model')[26]
CREATE INDEX ON read_model.session_costs (workspace_id, total_cost DESC, session_id);

-- readModel('read_model')[27]
CREATE INDEX ON read_model.execution_index (workspace_id, started_at DESC, execution_id DESC);

-- readModel('read_model')[28]
CREATE INDEX ON read_model.execution_index (started_at DESC, workspace_id DESC, execution_id DESC);
