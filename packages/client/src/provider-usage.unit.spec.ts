import { fromAnthropicUsage, fromGeminiUsage, fromOpenAIUsage } from './provider-usage';

describe('fromAnthropicUsage', () => {
  it('keeps input as is (it excludes the cache), and takes the 1-hour writes, searches, tier, speed and region', () => {
    expect(
      fromAnthropicUsage({
        input_tokens: 120,
        output_tokens: 560,
        cache_creation_input_tokens: 3000,
        cache_read_input_tokens: 45000,
        cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
        server_tool_use: { web_search_requests: 3 },
        service_tier: 'priority',
        speed: 'fast',
        inference_geo: 'us',
      }),
    ).toEqual({
      inputTokens: 120,
      outputTokens: 560,
      cacheCreationTokens: 3000,
      cacheCreation1hTokens: 2000,
      cacheReadTokens: 45000,
      webSearchRequests: 3,
      serviceTier: 'priority',
      speed: 'fast',
      inferenceGeo: 'us',
    });
  });

  it('reads nulls and absent parts as 0, and leaves the zero optional classes out', () => {
    expect(
      fromAnthropicUsage({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: null, cache_creation: null, service_tier: 'standard' }),
    ).toEqual({ inputTokens: 10, outputTokens: 5, cacheCreationTokens: 0, cacheReadTokens: 0, serviceTier: 'standard' });
  });

  it('takes the writes from the TTL breakdown when the total is missing', () => {
    const fields = fromAnthropicUsage({ input_tokens: 1, output_tokens: 1, cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 12 } });
    expect([fields.cacheCreationTokens, fields.cacheCreation1hTokens]).toEqual([42, 12]);
  });

  it('refuses a 1-hour part above all writes, and a count that is not a non-negative integer, naming the field', () => {
    expect(() =>
      fromAnthropicUsage({ input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 10, cache_creation: { ephemeral_1h_input_tokens: 11 } }),
    ).toThrow('cache_creation.ephemeral_1h_input_tokens (11) exceeds cache_creation_input_tokens (10), which includes it');
    expect(() => fromAnthropicUsage({ input_tokens: -1, output_tokens: 1 })).toThrow('input_tokens must be a non-negative integer, got -1');
    expect(() => fromAnthropicUsage({ input_tokens: 1.5, output_tokens: 1 })).toThrow('input_tokens must be a non-negative integer, got 1.5');
  });

  it('leaves out a tier or speed the ledger does not know', () => {
    expect(fromAnthropicUsage({ input_tokens: 1, output_tokens: 1, service_tier: 'enterprise', speed: 'warp', inference_geo: 'Not A Region' })).toEqual({
      inputTokens: 1,
      outputTokens: 1,
      cacheCreationTokens: 0,
      cacheReadTokens: 0,
    });
  });
});

describe('fromOpenAIUsage', () => {
  it('subtracts cached tokens from Chat Completions prompt_tokens, and keeps reasoning inside output', () => {
    const usage = {
      prompt_tokens: 2000,
      completion_tokens: 900,
      total_tokens: 2900,
      prompt_tokens_details: { cached_tokens: 1536, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 640, audio_tokens: 0 },
    };
    expect(fromOpenAIUsage(usage, { service_tier: 'default' })).toEqual({
      inputTokens: 464,
      outputTokens: 900,
      reasoningTokens: 640,
      cacheReadTokens: 1536,
      serviceTier: 'standard',
    });
  });

  it('subtracts input_tokens_details.cached_tokens for the Responses API, and counts its web_search_call items', () => {
    const response = {
      service_tier: 'flex',
      output: [{ type: 'web_search_call' }, { type: 'reasoning' }, { type: 'web_search_call' }, { type: 'message' }],
      usage: { input_tokens: 5000, output_tokens: 300, input_tokens_details: { cached_tokens: 4096 }, output_tokens_details: { reasoning_tokens: 0 } },
    };
    expect(fromOpenAIUsage(response.usage, response)).toEqual({ inputTokens: 904, outputTokens: 300, cacheReadTokens: 4096, serviceTier: 'flex', webSearchRequests: 2 });
  });

  it('has no cache writes, and no details means nothing cached', () => {
    expect(fromOpenAIUsage({ prompt_tokens: 12, completion_tokens: 3 })).toEqual({ inputTokens: 12, outputTokens: 3, cacheReadTokens: 0 });
  });

  it('leaves out scale and auto tiers, which the ledger has no price for', () => {
    expect(fromOpenAIUsage({ prompt_tokens: 1, completion_tokens: 1 }, { service_tier: 'scale' }).serviceTier).toBeUndefined();
    expect(fromOpenAIUsage({ prompt_tokens: 1, completion_tokens: 1 }, { service_tier: 'priority' }).serviceTier).toBe('priority');
  });

  it('refuses more cached than prompt tokens, or more reasoning than output, naming the fields', () => {
    expect(() => fromOpenAIUsage({ prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 11 } })).toThrow(
      'prompt_tokens_details.cached_tokens (11) exceeds prompt_tokens (10), which includes it',
    );
    expect(() => fromOpenAIUsage({ input_tokens: 10, output_tokens: 5, output_tokens_details: { reasoning_tokens: 6 } })).toThrow(
      'output_tokens_details.reasoning_tokens (6) exceeds output_tokens (5), which includes it',
    );
  });
});

describe('fromGeminiUsage', () => {
  it('subtracts cached content from the prompt, and bills thoughts as output and as its reasoning part', () => {
    expect(
      fromGeminiUsage({ promptTokenCount: 10000, cachedContentTokenCount: 8000, candidatesTokenCount: 400, thoughtsTokenCount: 1200 }),
    ).toEqual({ inputTokens: 2000, outputTokens: 1600, reasoningTokens: 1200, cacheReadTokens: 8000 });
  });

  it('counts the tool-use prompt as input, and absent counts as 0', () => {
    expect(fromGeminiUsage({ promptTokenCount: 50, toolUsePromptTokenCount: 700, candidatesTokenCount: 20 })).toEqual({ inputTokens: 750, outputTokens: 20, cacheReadTokens: 0 });
    expect(fromGeminiUsage({})).toEqual({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0 });
  });

  it('refuses more cached content than prompt', () => {
    expect(() => fromGeminiUsage({ promptTokenCount: 5, cachedContentTokenCount: 6 })).toThrow('cachedContentTokenCount (6) exceeds promptTokenCount (5), which includes it');
  });
});
