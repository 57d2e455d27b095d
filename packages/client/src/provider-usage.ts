import type { ServiceTier, Speed, UsageFields } from './usage-events';

/*
 * A provider response's usage object, as event fields with the ledger's token semantics (PRICING.md, "How
 * providers report usage"): `inputTokens` is uncached input only, `outputTokens` all output with reasoning
 * inside it. The helpers are pure and strict: a count that is not a non-negative integer, or a part larger
 * than its whole, throws a TypeError naming the field, rather than record a guess.
 */

type Count = number | null | undefined;

/** `usage` of an Anthropic Messages API response (the final one, for a stream), also from Bedrock and Vertex. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: Count;
  cache_read_input_tokens?: Count;
  cache_creation?: { ephemeral_5m_input_tokens?: Count; ephemeral_1h_input_tokens?: Count } | null;
  server_tool_use?: { web_search_requests?: Count } | null;
  service_tier?: string | null;
  speed?: string | null;
  inference_geo?: string | null;
}

/** `usage` of an OpenAI Chat Completions response. */
export interface OpenAIChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: Count } | null;
  completion_tokens_details?: { reasoning_tokens?: Count } | null;
}

/** `usage` of an OpenAI Responses API response. */
export interface OpenAIResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  input_tokens_details?: { cached_tokens?: Count } | null;
  output_tokens_details?: { reasoning_tokens?: Count } | null;
}

/**
 * What an OpenAI response says beside its usage: the tier it served (`service_tier`) and, for the
 * Responses API, its output items (each `web_search_call` is a billed search). Pass the response itself.
 */
export interface OpenAIServed {
  service_tier?: string | null;
  output?: readonly { type?: string }[] | null;
}

/** `usageMetadata` of a Gemini `generateContent` response (Gemini API or Vertex AI; camelCase as on the wire and in @google/genai). */
export interface GeminiUsageMetadata {
  promptTokenCount?: Count;
  candidatesTokenCount?: Count;
  cachedContentTokenCount?: Count;
  thoughtsTokenCount?: Count;
  toolUsePromptTokenCount?: Count;
}

function count(value: Count, field: string): number {
  if (value == null) return 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${field} must be a non-negative integer, got ${String(value)}`);
  return value;
}

function minus(whole: number, wholeField: string, part: number, partField: string): number {
  if (part > whole) throw new TypeError(`${partField} (${part}) exceeds ${wholeField} (${whole}), which includes it`);
  return whole - part;
}

/** The optional classes, only when not 0: absent is 0 on the wire, and events stay small. */
function withOptional(fields: UsageFields, optional: Partial<Record<'reasoningTokens' | 'cacheCreation1hTokens' | 'webSearchRequests', number>>): UsageFields {
  for (const [key, value] of Object.entries(optional)) if (value) (fields as Record<string, number>)[key] = value;
  return fields;
}

const MODIFIER = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const ANTHROPIC_TIERS: Readonly<Record<string, ServiceTier>> = { standard: 'standard', priority: 'priority', batch: 'batch' };
/** OpenAI's served tiers; `scale` (reserved capacity) and `auto` (a request value) have no ledger tier and are left out. */
const OPENAI_TIERS: Readonly<Record<string, ServiceTier>> = { default: 'standard', standard: 'standard', flex: 'flex', priority: 'priority', batch: 'batch' };
const SPEEDS: Readonly<Record<string, Speed>> = { standard: 'standard', fast: 'fast' };

/**
 * Anthropic: `input_tokens` already excludes the cache. `cache_creation_input_tokens` is every cache write;
 * its 1-hour part (`cache_creation.ephemeral_1h_input_tokens`) bills at 2× input instead of 1.25×.
 */
export function fromAnthropicUsage(usage: AnthropicUsage): UsageFields {
  const write5m = count(usage.cache_creation?.ephemeral_5m_input_tokens, 'cache_creation.ephemeral_5m_input_tokens');
  const write1h = count(usage.cache_creation?.ephemeral_1h_input_tokens, 'cache_creation.ephemeral_1h_input_tokens');
  // Without the total (an older gateway), the TTL breakdown is all the writes there are.
  const writes = usage.cache_creation_input_tokens == null ? write5m + write1h : count(usage.cache_creation_input_tokens, 'cache_creation_input_tokens');
  minus(writes, 'cache_creation_input_tokens', write1h, 'cache_creation.ephemeral_1h_input_tokens');
  const fields: UsageFields = {
    inputTokens: count(usage.input_tokens, 'input_tokens'),
    outputTokens: count(usage.output_tokens, 'output_tokens'),
    cacheCreationTokens: writes,
    cacheReadTokens: count(usage.cache_read_input_tokens, 'cache_read_input_tokens'),
  };
  const tier = usage.service_tier == null ? undefined : ANTHROPIC_TIERS[usage.service_tier];
  if (tier) fields.serviceTier = tier;
  const speed = usage.speed == null ? undefined : SPEEDS[usage.speed];
  if (speed) fields.speed = speed;
  if (typeof usage.inference_geo === 'string' && MODIFIER.test(usage.inference_geo)) fields.inferenceGeo = usage.inference_geo;
  return withOptional(fields, {
    cacheCreation1hTokens: write1h,
    webSearchRequests: count(usage.server_tool_use?.web_search_requests, 'server_tool_use.web_search_requests'),
  });
}

/**
 * OpenAI, Chat Completions or Responses (told apart by `prompt_tokens`): the input count includes cached
 * tokens, which are subtracted; OpenAI charges no cache-write premium, so there are no cache writes. The
 * output count includes reasoning. `served` (the response itself) gives the tier served and the searches made.
 */
export function fromOpenAIUsage(usage: OpenAIChatUsage | OpenAIResponsesUsage, served: OpenAIServed = {}): UsageFields {
  const chat = 'prompt_tokens' in usage;
  const [inField, cachedField, outField, reasoningField] = chat
    ? ['prompt_tokens', 'prompt_tokens_details.cached_tokens', 'completion_tokens', 'completion_tokens_details.reasoning_tokens']
    : ['input_tokens', 'input_tokens_details.cached_tokens', 'output_tokens', 'output_tokens_details.reasoning_tokens'];
  const input = count(chat ? usage.prompt_tokens : usage.input_tokens, inField);
  const cached = count(chat ? usage.prompt_tokens_details?.cached_tokens : usage.input_tokens_details?.cached_tokens, cachedField);
  const output = count(chat ? usage.completion_tokens : usage.output_tokens, outField);
  const reasoning = count(chat ? usage.completion_tokens_details?.reasoning_tokens : usage.output_tokens_details?.reasoning_tokens, reasoningField);
  minus(output, outField, reasoning, reasoningField);
  const fields: UsageFields = { inputTokens: minus(input, inField, cached, cachedField), outputTokens: output, cacheReadTokens: cached };
  const tier = served.service_tier == null ? undefined : OPENAI_TIERS[served.service_tier];
  if (tier) fields.serviceTier = tier;
  const searches = (served.output ?? []).filter((item) => item?.type === 'web_search_call').length;
  return withOptional(fields, { reasoningTokens: reasoning, webSearchRequests: searches });
}

/**
 * Gemini: `promptTokenCount` includes `cachedContentTokenCount`, which is subtracted. Thoughts are reported
 * beside the candidates, not inside them: output is both, and the thoughts are its reasoning part. The
 * prompt a tool use added (`toolUsePromptTokenCount`, e.g. search results) is billed as input, as
 * @pydantic/genai-prices' Google extractor counts it.
 */
export function fromGeminiUsage(usageMetadata: GeminiUsageMetadata): UsageFields {
  const prompt = count(usageMetadata.promptTokenCount, 'promptTokenCount');
  const toolPrompt = count(usageMetadata.toolUsePromptTokenCount, 'toolUsePromptTokenCount');
  const cached = count(usageMetadata.cachedContentTokenCount, 'cachedContentTokenCount');
  const thoughts = count(usageMetadata.thoughtsTokenCount, 'thoughtsTokenCount');
  const candidates = count(usageMetadata.candidatesTokenCount, 'candidatesTokenCount');
  const fields: UsageFields = {
    inputTokens: minus(prompt, 'promptTokenCount', cached, 'cachedContentTokenCount') + toolPrompt,
    outputTokens: candidates + thoughts,
    cacheReadTokens: cached,
  };
  return withOptional(fields, { reasoningTokens: thoughts });
}
