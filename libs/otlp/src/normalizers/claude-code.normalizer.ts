import Big from 'big.js';
import { OtlpRecord } from '../otlp-model';
import { eventTime, millis, outcome, required, requiredCount, toolCalled } from './cli-fields';
import { count, logEventName, NormalizeError, Normalizer, text, usd, UsageFields } from './normalizer';

/*
 * Claude Code (https://code.claude.com/docs/en/monitoring-usage). Its events arrive as log records under the
 * scope `com.anthropic.claude_code.events`, the body naming the event (`claude_code.api_request`) and the
 * `event.name` attribute naming it without the prefix (`api_request`); its beta spans
 * (CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1) under `com.anthropic.claude_code.tracing`, named `claude_code.*`.
 *
 * Each model call is both an `api_request` log and a `claude_code.llm_request` span, each tool call both a
 * `tool_result` log and a `claude_code.tool` span, and the two cannot be paired: they share `request_id` (a tool
 * call, `tool_use_id`) but not a payload (the log is stamped when written and carries `cost_usd`, the span ends
 * at its own instant without a cost; a tool span's duration includes the permission wait), so one event id for
 * both would make whichever arrives second a conflicting duplicate, rejected; and `request_id` is absent whenever
 * the API sends no `request-id` header (Bedrock, Vertex, proxies), where two ids would count the call twice. So each process names its usage signal with the
 * resource attribute `ledger.usage_signal` (OTEL_RESOURCE_ATTRIBUTES): `traces` reads the spans and drops the
 * logs; anything else, or nothing, reads the logs and drops the spans. Logs are the default because the spans
 * are beta and lossy: a published capture of 2.1.289 on Anthropic's API lost the first `llm_request` span of
 * most prompts while every `api_request` arrived.
 */
const SCOPE_PREFIX = 'com.anthropic.claude_code';
const SERVICE_NAME = 'claude-code';
const EVENT_PREFIX = 'claude_code.';
const USAGE_SIGNAL = 'ledger.usage_signal';
const SPAN_STATUS_OK = 1;
const SPAN_STATUS_ERROR = 2;

/** The signal that carries this process's usage: a resource attribute, so it holds for everything the process sends. */
const usageSignal = (record: OtlpRecord): 'logs' | 'traces' => (record.resource[USAGE_SIGNAL] === 'traces' ? 'traces' : 'logs');

/** The event's name without `claude_code.`: OTLP's event name, else `event.name`, else the body. */
function eventName(record: OtlpRecord): string | undefined {
  const name = logEventName(record);
  return name?.startsWith(EVENT_PREFIX) ? name.slice(EVENT_PREFIX.length) : name;
}

function claims(record: OtlpRecord): boolean {
  if (record.scope.name.startsWith(SCOPE_PREFIX) || record.resource['service.name'] === SERVICE_NAME) return true;
  if (record.signal === 'traces') return record.span.name.startsWith(EVENT_PREFIX);
  const { eventName: named, body } = record.log;
  return named.startsWith(EVENT_PREFIX) || (typeof body === 'string' && body.startsWith(EVENT_PREFIX));
}

/**
 * Who served the call, by the model id Claude Code sent: a Bedrock model or inference-profile id
 * (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`, an `arn:aws:bedrock:` ARN) is priced by AWS, with its
 * regional uplift; a Vertex id (`claude-sonnet-4-5@20250929`) by Google; anything else by Anthropic.
 */
const BEDROCK = /^(?:arn:aws[\w-]*:bedrock:|(?:[a-z]{2,6}\.)?anthropic\.)/;
export function claudeProvider(model: string): string {
  if (BEDROCK.test(model)) return 'aws';
  if (model.includes('@')) return 'google';
  return 'anthropic';
}

/** `cost_usd`, else the integer `cost_usd_micros` later versions add, exactly. */
function reportedCost(record: OtlpRecord): string | undefined {
  const dollars = usd(record, 'cost_usd');
  if (dollars !== undefined) return dollars;
  const micros = count(record, 'cost_usd_micros');
  return micros === undefined ? undefined : new Big(micros).div(1_000_000).toFixed();
}

/** An `api_request` log or an `llm_request` span: both carry the call's usage under the same attribute names. */
function tokenUsed(record: OtlpRecord): UsageFields[] {
  const model = required(record, 'model');
  const event: Record<string, unknown> = {
    type: 'TokenUsed',
    session_id: required(record, 'session.id'),
    occurred_at: eventTime(record),
    model,
    provider: claudeProvider(model),
    // Anthropic's convention: input_tokens excludes the cache reads and writes reported beside it.
    input_tokens: requiredCount(record, 'input_tokens'),
    output_tokens: requiredCount(record, 'output_tokens'),
    cache_read_tokens: count(record, 'cache_read_tokens') ?? 0,
    cache_creation_tokens: count(record, 'cache_creation_tokens') ?? 0,
  };
  // `normal`, or anything but fast mode, is the default speed, which is stored as absent.
  if (text(record, 'speed') === 'fast') event.speed = 'fast';
  // The subsystem that made the call: `repl_main_thread`, `compact`, a subagent's name.
  const step = text(record, 'query_source');
  if (step !== undefined) event.step_name = step;
  const cost = reportedCost(record);
  if (cost !== undefined) event.reported_cost_usd = cost;
  return [event as unknown as UsageFields];
}

function toolResult(record: OtlpRecord): UsageFields[] {
  // `name` is what versions before `tool_name` wrote.
  const tool = text(record, 'tool_name') ?? text(record, 'name');
  if (tool === undefined) throw new NormalizeError('tool_name', 'is missing');
  return [toolCalled(record, required(record, 'session.id'), tool, millis(record, 'duration_ms'), outcome(record))];
}

/** A failed `llm_request` (`success` false, or an error status) is no usage, as an `api_error` log is none. */
function llmRequest(record: OtlpRecord & { signal: 'traces' }): UsageFields[] {
  if (outcome(record) === 'error' || record.span.status.code === SPAN_STATUS_ERROR) return [];
  return tokenUsed(record);
}

/** A `claude_code.tool` span: its `duration_ms` includes the permission wait, which a `tool_result` log's excludes. */
function toolSpan(record: OtlpRecord & { signal: 'traces' }): UsageFields[] {
  const tool = required(record, 'tool_name');
  const { code } = record.span.status;
  const status = outcome(record) ?? (code === SPAN_STATUS_ERROR ? 'error' : code === SPAN_STATUS_OK ? 'ok' : undefined);
  return [toolCalled(record, required(record, 'session.id'), tool, millis(record, 'duration_ms'), status)];
}

export const claudeCode: Normalizer = {
  source: 'claude-code',
  claims,
  normalize(record) {
    if (record.signal !== usageSignal(record)) return [];
    if (record.signal === 'traces') {
      if (record.span.name === 'claude_code.llm_request') return llmRequest(record);
      if (record.span.name === 'claude_code.tool') return toolSpan(record);
      return [];
    }
    const name = eventName(record);
    if (name === 'api_request') return tokenUsed(record);
    if (name === 'tool_result') return toolResult(record);
    return [];
  },
};
