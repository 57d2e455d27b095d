import { OtlpRecord } from '../otlp-model';
import { catalogProvider, toolCalled } from './gen-ai.normalizer';
import { count, NormalizeError, Normalizer, occurredAt, recordAttributes, text, UsageFields } from './normalizer';

/**
 * The Vercel AI SDK's spans (packages/ai, `recordSpan` with `ai.operationId`, v3 to v6, and v7's LegacyOpenTelemetry).
 * `ai.generateText`, `ai.streamText`, `ai.generateObject`, `ai.embed`… are the calls a program makes; each wraps one
 * provider call per step (`….doGenerate`, `….doStream`, `….doEmbed`), and the outer span's `ai.usage.*` is their sum.
 * Only the provider calls count.
 */
const PROVIDER_CALL = /\.(doGenerate|doStream|doEmbed)$/;

type Json = { readonly [key: string]: unknown };
const object = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

/** `ai.response.providerMetadata`: the provider's own usage figures, a JSON string. */
function providerMetadata(record: OtlpRecord): Json {
  const raw = text(record, 'ai.response.providerMetadata');
  if (raw === undefined) return {};
  try {
    return object(JSON.parse(raw)) ?? {};
  } catch {
    throw new NormalizeError('ai.response.providerMetadata', 'is not JSON');
  }
}

/** A count inside the provider metadata, or undefined; anything but a non-negative integer names its path. */
function metadataCount(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new NormalizeError('ai.response.providerMetadata', `${path} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The catalog provider of `ai.model.provider` (`anthropic.messages`, `openai.responses`, `google.vertex.chat`…): its first part. */
function providerOf(modelProvider: string | undefined): string | undefined {
  if (modelProvider === undefined) return undefined;
  const head = modelProvider.split('.')[0];
  // The AI Gateway names the provider in the model id (`anthropic/claude-sonnet-4.5`), which resolution reads.
  if (head === 'gateway') return undefined;
  return catalogProvider(head, 'ai.model.provider');
}

interface Usage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly reasoning: number;
}

const nonNegative = (n: number, attribute: string, what: string): number => {
  if (n < 0) throw new NormalizeError(attribute, what);
  return n;
};

/**
 * AI SDK 6 (LanguageModelV3Usage, `ai.usage.inputTokenDetails.*`): `inputTokens` is the total, cache reads and writes
 * included (anthropic's convert-anthropic-messages-usage: total = input + cache_creation + cache_read), and
 * `outputTokens` includes reasoning (Gemini's thoughts are added in).
 */
function v6Usage(record: OtlpRecord): Usage {
  const total = count(record, 'ai.usage.inputTokens') ?? 0;
  const cacheRead = count(record, 'ai.usage.inputTokenDetails.cacheReadTokens') ?? count(record, 'ai.usage.cachedInputTokens') ?? 0;
  const cacheWrite = count(record, 'ai.usage.inputTokenDetails.cacheWriteTokens') ?? 0;
  const input = nonNegative(total - cacheRead - cacheWrite, 'ai.usage.inputTokens', `${total} is less than the cache reads (${cacheRead}) and writes (${cacheWrite}) it includes`);
  const output = count(record, 'ai.usage.outputTokens') ?? 0;
  const reasoning = count(record, 'ai.usage.outputTokenDetails.reasoningTokens') ?? count(record, 'ai.usage.reasoningTokens') ?? 0;
  return { input, output, cacheRead, cacheWrite, reasoning };
}

/**
 * Spans without `inputTokenDetails`: AI SDK 5's (LanguageModelV2Usage; `doGenerate` carries `ai.usage.promptTokens`/
 * `completionTokens`, `doStream` `inputTokens`/`outputTokens`/`cachedInputTokens`/`reasoningTokens`), each count with
 * its provider's own meaning, and, under the same names, AI SDK 6's object spans (`generateObject.doGenerate`'s
 * `promptTokens` is the inclusive total) and AI SDK 7's legacy object spans. The names do not tell them apart, so:
 * - Anthropic (direct, on Vertex): v5 reports input without the cache, v6+ with it; the raw usage in the provider
 *   metadata (`anthropic.usage.input_tokens`, the uncached count in every version) says which one the span holds.
 *   Cache writes are only in the metadata (`anthropic.cacheCreationInputTokens`);
 * - Bedrock: input without the cache (v5, and Bedrock's own `inputTokens`), writes in `bedrock.usage.cacheWriteInputTokens`;
 * - OpenAI and Gemini count cached input inside the input in every version. Gemini's v5 output leaves its thoughts
 *   out (candidatesTokenCount), v6's includes them; the metadata's `usageMetadata` says which.
 * A v5 OpenAI `doGenerate` span says nothing of cache reads: they are billed as uncached input.
 */
function v5Usage(record: OtlpRecord, modelProvider: string, metadata: Json): Usage {
  const promptKey = count(record, 'ai.usage.promptTokens') !== undefined ? 'ai.usage.promptTokens' : 'ai.usage.inputTokens';
  const prompt = count(record, promptKey) ?? 0;
  const completion = count(record, 'ai.usage.completionTokens') ?? count(record, 'ai.usage.outputTokens') ?? 0;
  const cachedSpan = count(record, 'ai.usage.cachedInputTokens');
  const reasoningSpan = count(record, 'ai.usage.reasoningTokens');
  const family = modelProvider.toLowerCase();
  const anthropic = object(metadata.anthropic);
  const bedrock = object(metadata.bedrock);
  if (family.includes('anthropic') || family.startsWith('amazon-bedrock') || family.startsWith('bedrock')) {
    const raw = object(anthropic?.usage);
    const cacheRead = cachedSpan ?? metadataCount(raw?.cache_read_input_tokens, 'anthropic.usage.cache_read_input_tokens') ?? 0;
    const cacheWrite =
      metadataCount(anthropic?.cacheCreationInputTokens, 'anthropic.cacheCreationInputTokens') ??
      metadataCount(raw?.cache_creation_input_tokens, 'anthropic.usage.cache_creation_input_tokens') ??
      metadataCount(object(bedrock?.usage)?.cacheWriteInputTokens, 'bedrock.usage.cacheWriteInputTokens') ??
      0;
    const uncached = metadataCount(raw?.input_tokens, 'anthropic.usage.input_tokens');
    const inclusive = uncached !== undefined && cacheRead + cacheWrite > 0 && prompt === uncached + cacheRead + cacheWrite;
    return { input: inclusive ? uncached : prompt, output: completion, cacheRead, cacheWrite, reasoning: reasoningSpan ?? 0 };
  }
  if (family.startsWith('google') || family.startsWith('vertex')) {
    const usage = object(object(metadata.google)?.usageMetadata) ?? object(object(metadata.vertex)?.usageMetadata);
    const cacheRead = cachedSpan ?? metadataCount(usage?.cachedContentTokenCount, 'google.usageMetadata.cachedContentTokenCount') ?? 0;
    const thoughts = reasoningSpan ?? metadataCount(usage?.thoughtsTokenCount, 'google.usageMetadata.thoughtsTokenCount') ?? 0;
    const input = nonNegative(prompt - cacheRead, promptKey, `${prompt} is less than the cached input (${cacheRead}) it includes`);
    const candidates = metadataCount(usage?.candidatesTokenCount, 'google.usageMetadata.candidatesTokenCount');
    const withThoughts = thoughts > 0 && candidates !== undefined && completion === candidates + thoughts;
    return { input, output: withThoughts ? completion : completion + thoughts, cacheRead, cacheWrite: 0, reasoning: thoughts };
  }
  const cacheRead = cachedSpan ?? 0;
  const input = nonNegative(prompt - cacheRead, promptKey, `${prompt} is less than the cached input (${cacheRead}) it includes`);
  return { input, output: completion, cacheRead, cacheWrite: 0, reasoning: reasoningSpan ?? 0 };
}

const isV6 = (record: OtlpRecord): boolean =>
  Object.keys(recordAttributes(record)).some((key) => key.startsWith('ai.usage.inputTokenDetails.') || key.startsWith('ai.usage.outputTokenDetails.'));

const SERVICE_TIERS: ReadonlySet<string> = new Set(['flex', 'priority']);

function tokenUsed(record: OtlpRecord, operation: string): UsageFields | undefined {
  const modelProvider = text(record, 'ai.model.provider');
  const model = text(record, 'ai.response.model') ?? text(record, 'ai.model.id');
  const metadata = providerMetadata(record);
  let usage: Usage;
  if (operation.endsWith('.doEmbed')) {
    const tokens = count(record, 'ai.usage.tokens');
    if (tokens === undefined) return undefined;
    usage = { input: tokens, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  } else {
    const reported = ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens'].some((k) => count(record, k) !== undefined);
    if (!reported) return undefined;
    usage = isV6(record) ? v6Usage(record) : v5Usage(record, modelProvider ?? '', metadata);
  }
  if (model === undefined) throw new NormalizeError('ai.model.id', 'absent: usage without a model cannot be priced');
  if (usage.reasoning > usage.output) {
    throw new NormalizeError('ai.usage.reasoningTokens', `${usage.reasoning} is more than the output tokens (${usage.output}) it is part of`);
  }
  const anthropicUsage = object(object(metadata.anthropic)?.usage);
  // Anthropic's usage object splits its cache writes by TTL; 1-hour writes bill at 2× input (the 5-minute ones 1.25×).
  const oneHour = metadataCount(object(anthropicUsage?.cache_creation)?.ephemeral_1h_input_tokens, 'anthropic.usage.cache_creation.ephemeral_1h_input_tokens') ?? 0;
  if (oneHour > usage.cacheWrite) {
    throw new NormalizeError('ai.response.providerMetadata', `anthropic.usage.cache_creation.ephemeral_1h_input_tokens ${oneHour} is more than the cache writes (${usage.cacheWrite})`);
  }
  const webSearches = metadataCount(object(anthropicUsage?.server_tool_use)?.web_search_requests, 'anthropic.usage.server_tool_use.web_search_requests') ?? 0;
  const tier = object(metadata.openai)?.serviceTier;
  const provider = providerOf(modelProvider);
  const at = occurredAt(record);
  if (at === undefined) throw new NormalizeError('endTimeUnixNano', 'absent or out of range');
  return {
    type: 'TokenUsed',
    session_id: sessionOf(record),
    occurred_at: at,
    model,
    ...(provider !== undefined ? { provider } : {}),
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_read_tokens: usage.cacheRead,
    cache_creation_tokens: usage.cacheWrite,
    ...(oneHour > 0 ? { cache_creation_1h_tokens: oneHour } : {}),
    ...(usage.reasoning > 0 ? { reasoning_tokens: usage.reasoning } : {}),
    ...(webSearches > 0 ? { web_search_requests: webSearches } : {}),
    ...(typeof tier === 'string' && SERVICE_TIERS.has(tier) ? { service_tier: tier } : {}),
  };
}

/** `experimental_telemetry: { metadata: { sessionId } }` names the session; without it, the trace is the session. */
function sessionOf(record: OtlpRecord): string {
  const named = text(record, 'ai.telemetry.metadata.sessionId') ?? text(record, 'ai.telemetry.metadata.session_id');
  if (named !== undefined) return named;
  if (record.signal !== 'traces' || !record.span.traceId) throw new NormalizeError('ai.telemetry.metadata.sessionId', 'absent, and the span has no trace id');
  return record.span.traceId;
}

export const vercelAi: Normalizer = {
  source: 'vercel-ai',
  claims(record) {
    if (record.signal !== 'traces') return false;
    const operation = record.span.attributes['ai.operationId'];
    return typeof operation === 'string' && operation.startsWith('ai.');
  },
  normalize(record) {
    if (record.signal !== 'traces') return [];
    const operation = String(record.span.attributes['ai.operationId']);
    if (operation === 'ai.toolCall') {
      const name = record.span.attributes['ai.toolCall.name'];
      const tool = toolCalled(record, typeof name === 'string' && name ? name : undefined, 'ai.toolCall.name');
      return [{ ...tool, session_id: sessionOf(record) }];
    }
    if (!PROVIDER_CALL.test(operation)) return [];
    const used = tokenUsed(record, operation);
    return used ? [used] : [];
  },
};
