import { OtlpRecord } from '../otlp-model';
import { eventTime, millis, outcome, partOf, required, requiredCount, toolCalled } from './cli-fields';
import { count, logEventName, Normalizer, text, UsageFields } from './normalizer';

/*
 * Gemini CLI (google-gemini/gemini-cli, packages/core/src/telemetry). Its logger and tracer are both named
 * `gemini-cli`, as is its resource's `service.name`; its events are log records named by `event.name`
 * (`gemini_cli.api_response`), with `session.id` on each record and on the resource.
 *
 * Usage is the `api_response` log, which copies the response's usageMetadata. Everything else Gemini CLI sends
 * is claimed so that it never reaches the GenAI normalizer: each call also writes a
 * `gen_ai.client.inference.operation.details` log and an `llm_call` span whose `gen_ai.usage.input_tokens` and
 * `output_tokens` are the same call's promptTokenCount and candidatesTokenCount (cache inside, thoughts left out).
 */
const NAME = 'gemini-cli';
const EVENT_PREFIX = 'gemini_cli.';

function claims(record: OtlpRecord): boolean {
  if (record.scope.name === NAME || record.resource['service.name'] === NAME) return true;
  return record.signal === 'logs' && (logEventName(record)?.startsWith(EVENT_PREFIX) ?? false);
}

function apiResponse(record: OtlpRecord): UsageFields[] {
  const session_id = required(record, 'session.id');
  const model = required(record, 'model');
  // promptTokenCount includes cachedContentTokenCount; thoughtsTokenCount is reported beside
  // candidatesTokenCount and billed as output, so output is their sum and reasoning the thoughts.
  const input = requiredCount(record, 'input_token_count');
  const cached = partOf(record, 'cached_content_token_count', input, 'input_token_count');
  const candidates = requiredCount(record, 'output_token_count');
  const thoughts = count(record, 'thoughts_token_count') ?? 0;
  const event: Record<string, unknown> = {
    type: 'TokenUsed',
    session_id,
    occurred_at: eventTime(record),
    model,
    provider: 'google',
    input_tokens: input - cached,
    output_tokens: candidates + thoughts,
    cache_read_tokens: cached,
    cache_creation_tokens: 0,
  };
  if (thoughts > 0) event.reasoning_tokens = thoughts;
  // Which of the CLI's callers made the request: `main`, `subagent`, `utility_compressor`…
  const role = text(record, 'role');
  if (role !== undefined) event.step_name = role;
  return [event as unknown as UsageFields];
}

function toolCall(record: OtlpRecord): UsageFields[] {
  // A call the user rejected never ran: there is nothing to bill.
  if (text(record, 'decision') === 'reject') return [];
  return [toolCalled(record, required(record, 'session.id'), required(record, 'function_name'), millis(record, 'duration_ms'), outcome(record))];
}

export const geminiCli: Normalizer = {
  source: 'gemini-cli',
  claims,
  normalize(record) {
    if (record.signal === 'traces') return [];
    const name = logEventName(record);
    if (name === 'gemini_cli.api_response') return apiResponse(record);
    if (name === 'gemini_cli.tool_call') return toolCall(record);
    return [];
  },
};
