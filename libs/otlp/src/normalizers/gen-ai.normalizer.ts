import Big from 'big.js';
import { OtlpRecord } from '../otlp-model';
import { count, logEventName, NormalizeError, Normalizer, occurredAt, recordAttributes, text, usd, UsageFields } from './normalizer';

/**
 * The OpenTelemetry GenAI semantic conventions (open-telemetry/semantic-conventions-genai, model/gen-ai/registry.yaml),
 * and the spellings instrumentations still send: the conventions' own older names and OpenLLMetry's (traceloop/openllmetry,
 * packages/opentelemetry-semantic-conventions-ai). The first key present wins.
 */
const INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'];
const OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'];
const CACHE_READ = ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens'];
/**
 * `cache_creation` was renamed `cache_write` (semantic-conventions-genai#440); OpenLLMetry before semconv-ai 0.5 joined
 * it with `_`, and Strands Agents sends `cache_write_input_tokens`.
 */
const CACHE_WRITE = [
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.cache_write_input_tokens',
];
const REASONING = ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'llm.usage.reasoning_tokens'];
const USAGE_KEYS: readonly string[] = [...INPUT, ...OUTPUT];

/** The inference-details event carries its inference span's attributes (events.yaml: ref_group span.gen_ai.client.inference). */
const INFERENCE_DETAILS = 'gen_ai.client.inference.operation.details';

/**
 * Operations whose usage, when reported, is the sum of their children's: `create_agent`, and every `invoke_*` but
 * `invoke_agent` (decided by span kind below): the conventions' `invoke_workflow`, Strands Agents' `invoke_swarm` and
 * `invoke_graph`, which report their agents' accumulated usage.
 */
const isAggregate = (operation: string): boolean => operation === 'create_agent' || (operation.startsWith('invoke_') && operation !== 'invoke_agent');
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

/**
 * `gen_ai.provider.name` (or `gen_ai.system`) values, lower-cased, that are not the catalog's provider ids or aliases.
 * `azure.ai.openai` must be mapped: the catalog's openai provider rule (`contains: openai`) would otherwise take it.
 * Frameworks OpenLLMetry reports as the system name no provider at all, so the model resolves to its first party.
 */
const PROVIDERS: Readonly<Record<string, string | null>> = {
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  'aws.bedrock': 'aws',
  'azure.ai.openai': 'azure',
  'az.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  x_ai: 'x-ai',
  mistral_ai: 'mistral',
  moonshot_ai: 'moonshotai',
  langchain: null,
  crewai: null,
  llamaindex: null,
  'strands-agents': null,
};

/**
 * The catalog provider id a GenAI provider name stands for; an unknown one is passed through, lower-cased, so its
 * calls are unpriced under the name they were sent with (resolution never guesses a provider: model-resolution.ts)
 * rather than priced at another provider's rates. Undefined: send none, resolve by the model's first party.
 */
export function catalogProvider(name: string | undefined, attribute: string): string | undefined {
  if (name === undefined) return undefined;
  const lower = name.trim().toLowerCase();
  const mapped = Object.hasOwn(PROVIDERS, lower) ? PROVIDERS[lower] : lower;
  if (mapped === null || mapped === '') return undefined;
  if (mapped.length > 64) throw new NormalizeError(attribute, 'must be at most 64 characters');
  return mapped;
}

/**
 * A Bedrock model id (`anthropic.claude-…-v1:0`, with a cross-region prefix such as `us.` or `global.`): what frameworks
 * that name no provider (Strands Agents, CrewAI, LangChain) send for Bedrock. The catalog resolves it only under aws.
 */
const BEDROCK_MODEL_ID = /^(?:(?:us|eu|apac|au|jp|ca|us-gov|global)\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.[a-z0-9]/;

const first = (record: OtlpRecord, keys: readonly string[]): { key: string; value: number } | undefined => {
  for (const key of keys) {
    const value = count(record, key);
    if (value !== undefined) return { key, value };
  }
  return undefined;
};

const own = (record: OtlpRecord, key: string): string | undefined => {
  const value = recordAttributes(record)[key];
  return typeof value === 'string' && value ? value : undefined;
};

/** OpenLIT's own tracer provider marks its resource (openlit/otel/tracing.py: telemetry.sdk.name 'openlit'). */
const isOpenLit = (record: OtlpRecord): boolean => record.resource['telemetry.sdk.name'] === 'openlit' || record.scope.name.startsWith('openlit.');

/**
 * Instrumentations that send a provider's own uncached input under the conventions' inclusive name, with the cache
 * counts beside it:
 * - OpenLLMetry's Bedrock instrumentation sends Bedrock's `inputTokens` (bedrock/span_utils.py converse_usage_record,
 *   prompt_caching.py). Its Anthropic instrumentation sums the cache in since 0.33 (anthropic/__init__.py: input_tokens
 *   = prompt + cache_read + cache_creation), as do its OpenAI, Gemini and LangChain ones by their providers' totals;
 * - OpenLIT's Anthropic instrumentation sends Anthropic's `input_tokens` as is (anthropic/utils.py common_chat_logic:
 *   "input_tokens exclusive of cache read / creation tokens"); its OpenAI one sends prompt_tokens, cache included;
 * - Strands Agents sends its Bedrock-shaped Usage (telemetry/tracer.py end_model_invoke_span: input_tokens =
 *   inputTokens, cache_read_input_tokens/cache_write_input_tokens beside it).
 */
const inputExcludesCache = (record: OtlpRecord, provider: string | undefined): boolean =>
  record.scope.name === 'opentelemetry.instrumentation.bedrock' ||
  record.scope.name === 'strands.telemetry.tracer' ||
  (provider === 'anthropic' && isOpenLit(record));

/**
 * `gen_ai.usage.cost` (OpenLIT and others; no convention defines a cost), kept as the reported cost for reconciliation.
 * OpenLIT reports 0 for a model it has no price for, which says nothing of the cost, so 0 is left out; a double with
 * more fractional digits than ingest keeps is rounded, exactly, to its 18.
 */
function reportedCost(record: OtlpRecord): string | undefined {
  const cost = usd(record, 'gen_ai.usage.cost');
  if (cost === undefined) return undefined;
  const amount = new Big(cost).round(18, Big.roundHalfUp);
  return amount.gt(0) ? amount.toFixed() : undefined;
}

/** The session: the conversation, else OpenLLMetry's association property, else OTel's `session.id`, else the trace. */
function sessionOf(record: OtlpRecord): string {
  const named = text(record, 'gen_ai.conversation.id') ?? text(record, 'traceloop.association.properties.session_id') ?? text(record, 'session.id');
  if (named !== undefined) return named;
  const trace = record.signal === 'traces' ? record.span.traceId : record.log.traceId;
  if (!trace) throw new NormalizeError('gen_ai.conversation.id', 'absent, and the record has no trace id to stand for the session');
  return trace;
}

function when(record: OtlpRecord): string {
  const at = occurredAt(record);
  if (at === undefined) throw new NormalizeError(record.signal === 'traces' ? 'endTimeUnixNano' : 'timeUnixNano', 'absent or out of range');
  return at;
}

const SERVICE_TIERS: ReadonlySet<string> = new Set(['batch', 'flex', 'priority']);

/** The tier OpenAI says it served; `default`/`auto`/`scale` bill at list price, so they are left out (the modifier's default). */
function serviceTier(record: OtlpRecord): string | undefined {
  const tier = text(record, 'openai.response.service_tier') ?? text(record, 'gen_ai.openai.response.service_tier');
  return tier !== undefined && SERVICE_TIERS.has(tier) ? tier : undefined;
}

/** A `TokenUsed` from the usage attributes, or undefined when the record reports none. */
export function tokenUsed(record: OtlpRecord): UsageFields | undefined {
  const input = first(record, INPUT);
  const output = first(record, OUTPUT);
  if (!input && !output) return undefined;
  const cacheRead = first(record, CACHE_READ)?.value ?? 0;
  const cacheWrite = first(record, CACHE_WRITE)?.value ?? 0;
  const reasoning = first(record, REASONING);
  const model = text(record, 'gen_ai.response.model') ?? text(record, 'gen_ai.request.model');
  if (model === undefined) throw new NormalizeError('gen_ai.request.model', 'absent (nor gen_ai.response.model): usage without a model cannot be priced');
  const inputTokens = input?.value ?? 0;
  const providerKey = text(record, 'gen_ai.provider.name') !== undefined ? 'gen_ai.provider.name' : 'gen_ai.system';
  const provider = catalogProvider(text(record, providerKey), providerKey) ?? (BEDROCK_MODEL_ID.test(model) ? 'aws' : undefined);
  const uncached = inputExcludesCache(record, provider) ? inputTokens : inputTokens - cacheRead - cacheWrite;
  if (uncached < 0) {
    throw new NormalizeError(input?.key ?? INPUT[0], `${inputTokens} is less than the cache reads (${cacheRead}) and writes (${cacheWrite}) it includes`);
  }
  const outputTokens = output?.value ?? 0;
  if (reasoning && reasoning.value > outputTokens) {
    throw new NormalizeError(reasoning.key, `${reasoning.value} is more than the output tokens (${outputTokens}) it is part of`);
  }
  const tier = serviceTier(record);
  const reported = reportedCost(record);
  return {
    type: 'TokenUsed',
    session_id: sessionOf(record),
    occurred_at: when(record),
    model,
    ...(provider !== undefined ? { provider } : {}),
    input_tokens: uncached,
    output_tokens: outputTokens,
    cache_read_tokens: cacheRead,
    cache_creation_tokens: cacheWrite,
    ...(reasoning && reasoning.value > 0 ? { reasoning_tokens: reasoning.value } : {}),
    ...(tier !== undefined ? { service_tier: tier } : {}),
    ...(reported !== undefined ? { reported_cost_usd: reported } : {}),
  };
}

/** A tool span's `ToolCalled`: its duration from the span's own start and end, its status from the span's. */
export function toolCalled(record: OtlpRecord & { signal: 'traces' }, toolName: string | undefined, attribute: string): UsageFields {
  if (toolName === undefined) throw new NormalizeError(attribute, 'absent: a tool span must name its tool');
  const { startTimeUnixNano, endTimeUnixNano, status } = record.span;
  const start = /^\d+$/.test(startTimeUnixNano) ? BigInt(startTimeUnixNano) : 0n;
  const end = /^\d+$/.test(endTimeUnixNano) ? BigInt(endTimeUnixNano) : 0n;
  return {
    type: 'ToolCalled',
    session_id: sessionOf(record),
    occurred_at: when(record),
    tool_name: toolName.slice(0, 128),
    ...(start > 0n && end >= start ? { duration_ms: Number((end - start) / 1_000_000n) } : {}),
    status: status.code === STATUS_ERROR ? 'error' : 'ok',
  };
}

/**
 * Any record that reports `gen_ai.usage.*` (after the runtimes' and the Vercel AI SDK's normalizers had their turn),
 * any GenAI operation span or event, and OpenLLMetry's tool spans.
 *
 * What counts once:
 * - an `invoke_agent` span of kind INTERNAL (an in-process agent: LangChain, CrewAI, the AI SDK 7's root span) reports
 *   the sum of its own child inference spans, so its usage is skipped; one of kind CLIENT invokes a remote agent
 *   (OpenAI Assistants, Bedrock Agents, gen-ai-agent-spans.md) whose model calls this trace never sees, so its usage is
 *   the only record of them and counts. A span cannot see its children, so the kind is the conventions' own signal;
 *   an instrumentation that marks an in-process agent CLIENT would count twice;
 * - `create_agent` and the other `invoke_*` operations (workflows, Strands' swarms and graphs) are skipped whatever
 *   they report;
 * - the inference-details event repeats its span's usage: recorded inside a span (it has a span id) it is skipped, as
 *   that span is the record of the call; without one (a logs-only setup) it counts. A span sampled out, or exported
 *   elsewhere, while its event reaches the ledger, is therefore not counted.
 */
export const genAi: Normalizer = {
  source: 'gen-ai',
  claims(record) {
    const attributes = recordAttributes(record);
    if (USAGE_KEYS.some((key) => attributes[key] !== undefined && attributes[key] !== null)) return true;
    if (typeof attributes['gen_ai.operation.name'] === 'string') return true;
    if (record.signal === 'traces') return attributes['traceloop.span.kind'] === 'tool';
    return logEventName(record)?.startsWith('gen_ai.') ?? false;
  },
  normalize(record) {
    const operation = own(record, 'gen_ai.operation.name') ?? own(record, 'llm.request.type');
    if (record.signal === 'traces') {
      if (operation === 'execute_tool') {
        // The span name is `execute_tool {gen_ai.tool.name}` (gen-ai-agent-spans.md) when the attribute is left out.
        const named = /^execute_tool (.+)$/.exec(record.span.name)?.[1];
        return [toolCalled(record, own(record, 'gen_ai.tool.name') ?? own(record, 'traceloop.entity.name') ?? named, 'gen_ai.tool.name')];
      }
      if (own(record, 'traceloop.span.kind') === 'tool') return [toolCalled(record, own(record, 'traceloop.entity.name'), 'traceloop.entity.name')];
      if (operation === 'invoke_agent' && record.span.kind !== SPAN_KIND_CLIENT) return [];
    } else {
      if (operation === 'invoke_agent' || operation === 'execute_tool') return [];
      if (logEventName(record) === INFERENCE_DETAILS && record.log.spanId) return [];
    }
    if (operation !== undefined && isAggregate(operation)) return [];
    const used = tokenUsed(record);
    return used ? [used] : [];
  },
};
