import { OtlpRecord } from '../otlp-model';
import { eventTime, millis, outcome, partOf, required, requiredCount, toolCalled } from './cli-fields';
import { logEventName, Normalizer, text, UsageFields } from './normalizer';

/*
 * OpenAI Codex CLI (openai/codex, codex-rs/otel). Its events are `tracing` events exported as log records
 * under the scope of their target (`codex_otel.log_only`), named by the `event.name` attribute, with the
 * session's `conversation.id`, `model` and `slug` on each; numbers formatted with `%` arrive as text.
 *
 * Usage is the `codex.sse_event` of kind `response.completed` (`sse_event_completed`), written whatever the
 * transport. Codex's spans are claimed and dropped: its `handle_responses` spans repeat each response's usage as
 * `gen_ai.usage.*` and its turn spans sum it again (`codex.turn.token_usage.*`), so letting them reach the GenAI
 * normalizer would count the log's usage two or three times over.
 */
const SCOPE_PREFIX = 'codex_otel';
const EVENT_PREFIX = 'codex.';
/** Span attributes only Codex writes: its usage beside `gen_ai.usage.*`, and its requests' reasoning effort. */
const SPAN_MARKS = ['codex.usage.total_tokens', 'codex.usage.reasoning_output_tokens', 'codex.request.reasoning_effort', 'codex.turn.token_usage.input_tokens'];

/** `service.name` is the originator: `codex_cli_rs`, `codex_exec`, `codex_vscode`, or a name the user sets such as `codex-cli`. */
const isCodexService = (record: OtlpRecord): boolean => {
  const service = record.resource['service.name'];
  return typeof service === 'string' && service.toLowerCase().startsWith('codex');
};

/** `event.name` first: the OTLP event name the tracing bridge sets is the callsite's, not Codex's name. */
function eventName(record: OtlpRecord): string | undefined {
  if (record.signal !== 'logs') return undefined;
  const named = record.log.attributes['event.name'];
  return typeof named === 'string' && named ? named : logEventName(record);
}

function claims(record: OtlpRecord): boolean {
  if (record.scope.name.startsWith(SCOPE_PREFIX) || isCodexService(record)) return true;
  if (record.signal === 'traces') return SPAN_MARKS.some((key) => key in record.span.attributes);
  return eventName(record)?.startsWith(EVENT_PREFIX) ?? false;
}

function responseCompleted(record: OtlpRecord): UsageFields[] {
  // A completion Codex could not read (`see_event_completed_failed`) carries an error (`error.message`, in later
  // versions `success=false` and `error.type`) and no usage.
  const failed = outcome(record) === 'error' || text(record, 'error.message') !== undefined || text(record, 'error.type') !== undefined;
  if (failed && text(record, 'input_token_count') === undefined) return [];
  const session_id = required(record, 'conversation.id');
  const model = required(record, 'model');
  // The Responses API's usage as Codex copies it: input_tokens includes cached_tokens, output_tokens
  // includes reasoning_tokens (output_tokens_details), as OpenAI counts them. Later versions add
  // cache_write_token_count, also inside the input (0 at OpenAI, whose cache writes cost the input rate).
  const input = requiredCount(record, 'input_token_count');
  const cached = partOf(record, 'cached_token_count', input, 'input_token_count');
  const written = partOf(record, 'cache_write_token_count', input - cached, 'input_token_count less cached_token_count');
  const output = requiredCount(record, 'output_token_count');
  const reasoning = partOf(record, 'reasoning_token_count', output, 'output_token_count');
  const event: Record<string, unknown> = {
    type: 'TokenUsed',
    session_id,
    occurred_at: eventTime(record),
    model,
    provider: 'openai',
    input_tokens: input - cached - written,
    output_tokens: output,
    cache_read_tokens: cached,
    cache_creation_tokens: written,
  };
  if (reasoning > 0) event.reasoning_tokens = reasoning;
  return [event as unknown as UsageFields];
}

function toolResult(record: OtlpRecord): UsageFields[] {
  return [toolCalled(record, required(record, 'conversation.id'), required(record, 'tool_name'), millis(record, 'duration_ms'), outcome(record))];
}

export const codexCli: Normalizer = {
  source: 'codex',
  claims,
  normalize(record) {
    if (record.signal === 'traces') return [];
    const name = eventName(record);
    if (name === 'codex.sse_event') return text(record, 'event.kind') === 'response.completed' ? responseCompleted(record) : [];
    if (name === 'codex.tool_result') return toolResult(record);
    return [];
  },
};
