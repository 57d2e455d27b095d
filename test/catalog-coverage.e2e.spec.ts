import Big from 'big.js';
import { freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * The shipped catalog out of the box (issue 15 §5): one call of each of 50-odd current models, under the names
 * clients send (dated snapshots, provider-prefixed, Bedrock, Vertex, OpenRouter, Azure, Groq …), is resolved
 * to the catalog model below and priced exactly at the rates @pydantic/genai-prices 0.1.8 publishes for it
 * (USD per 1M tokens), copied here by hand: the spec computes each expected cost itself.
 */

/** [provider sent (null: none), model name sent, catalog model, input, output, cache write (null: billed as input), cache read] */
type Case = [string | null, string, string, string, string, string | null, string];
const CASES: Case[] = [
  // Anthropic, first party: dated snapshots and bare names resolve by Anthropic's rules without a provider.
  [null, 'claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5', '3', '15', '3.75', '0.3'],
  [null, 'claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5', '3', '15', '3.75', '0.3'],
  [null, 'claude-sonnet-4-6', 'anthropic/claude-sonnet-4-6', '3', '15', '3.75', '0.3'],
  [null, 'claude-opus-4-5-20251101', 'anthropic/claude-opus-4-5', '5', '25', '6.25', '0.5'],
  [null, 'claude-opus-4-6', 'anthropic/claude-opus-4-6', '5', '25', '6.25', '0.5'],
  ['anthropic', 'claude-opus-4-7', 'anthropic/claude-opus-4-7', '5', '25', '6.25', '0.5'],
  [null, 'claude-haiku-4-5-20251001', 'anthropic/claude-haiku-4-5', '1', '5', '1.25', '0.1'],
  [null, 'claude-sonnet-4-20250514', 'anthropic/claude-sonnet-4-0', '3', '15', '3.75', '0.3'],
  [null, 'claude-opus-4-1-20250805', 'anthropic/claude-opus-4-1', '15', '75', '18.75', '1.5'],
  [null, 'claude-3-7-sonnet-20250219', 'anthropic/claude-3-7-sonnet-latest', '3', '15', '3.75', '0.3'],
  [null, 'claude-3-5-haiku-20241022', 'anthropic/claude-3-5-haiku-latest', '0.8', '4', '1', '0.08'],
  // LiteLLM's provider prefix, and a provider-qualified catalog model as written.
  [null, 'anthropic/claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5', '3', '15', '3.75', '0.3'],
  [null, 'gemini/gemini-2.5-flash', 'google/gemini-2.5-flash', '0.3', '2.5', null, '0.03'],
  [null, 'openai/gpt-4o', 'openai/gpt-4o', '2.5', '10', null, '1.25'],
  // OpenAI: no cache-write fee (writes bill as input).
  [null, 'gpt-5', 'openai/gpt-5', '1.25', '10', null, '0.125'],
  [null, 'gpt-5-2025-08-07', 'openai/gpt-5', '1.25', '10', null, '0.125'],
  [null, 'gpt-5-codex', 'openai/gpt-5', '1.25', '10', null, '0.125'],
  [null, 'gpt-5-mini', 'openai/gpt-5-mini', '0.25', '2', null, '0.025'],
  [null, 'gpt-5-nano', 'openai/gpt-5-nano', '0.05', '0.4', null, '0.005'],
  [null, 'gpt-5.1', 'openai/gpt-5.1', '1.25', '10', null, '0.125'],
  [null, 'gpt-5.2', 'openai/gpt-5.2', '1.75', '14', null, '0.175'],
  [null, 'gpt-4.1', 'openai/gpt-4.1', '2', '8', null, '0.5'],
  [null, 'gpt-4.1-mini', 'openai/gpt-4.1-mini', '0.4', '1.6', null, '0.1'],
  [null, 'gpt-4o', 'openai/gpt-4o', '2.5', '10', null, '1.25'],
  [null, 'gpt-4o-mini', 'openai/gpt-4o-mini', '0.15', '0.6', null, '0.075'],
  [null, 'o3', 'openai/o3', '2', '8', null, '0.5'],
  [null, 'o4-mini', 'openai/o4-mini', '1.1', '4.4', null, '0.275'],
  // Google.
  [null, 'gemini-2.5-pro', 'google/gemini-2.5-pro', '1.25', '10', null, '0.125'],
  [null, 'gemini-2.5-flash', 'google/gemini-2.5-flash', '0.3', '2.5', null, '0.03'],
  [null, 'gemini-2.5-flash-lite', 'google/gemini-2.5-flash-lite', '0.1', '0.4', null, '0.01'],
  [null, 'gemini-3-pro-preview', 'google/gemini-3-pro-preview', '2', '12', null, '0.2'],
  [null, 'gemini-3-flash-preview', 'google/gemini-3-flash-preview', '0.5', '3', null, '0.05'],
  // Bedrock (regional endpoints bill 1.1× in the source), by alias and by id.
  ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0', '3.3', '16.5', '4.125', '0.33'],
  ['bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0', '0.8', '4', '1', '0.08'],
  ['aws', 'us.anthropic.claude-opus-4-1-20250805-v1:0', 'aws/regional.anthropic.claude-opus-4-1-20250805-v1:0', '15', '75', '18.75', '1.5'],
  ['amazon-bedrock', 'amazon.nova-pro-v1:0', 'aws/amazon.nova-pro-v1:0', '0.8', '3.2', null, '0.2'],
  ['bedrock', 'meta.llama3-1-70b-instruct-v1:0', 'aws/meta.llama3-1-70b-instruct-v1:0', '0.72', '0.72', null, '0.72'],
  [null, 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0', '3.3', '16.5', '4.125', '0.33'],
  // Vertex.
  ['vertex', 'claude-sonnet-4-5@20250929', 'google/claude-sonnet-4-5', '3', '15', '3.75', '0.3'],
  ['vertex_ai', 'gemini-2.5-pro', 'google/gemini-2.5-pro', '1.25', '10', null, '0.125'],
  ['google', 'claude-opus-4-1@20250805', 'google/claude-4-opus', '15', '75', '18.75', '1.5'],
  // Resellers and clouds, by their own names.
  ['openrouter', 'anthropic/claude-sonnet-4.5', 'openrouter/anthropic/claude-sonnet-4.5', '3', '15', '3.75', '0.3'],
  ['openrouter', 'openai/gpt-5', 'openrouter/openai/gpt-5', '1.25', '10', null, '0.125'],
  ['openrouter', 'meta-llama/llama-3.3-70b-instruct', 'openrouter/meta-llama/llama-3.3-70b-instruct', '0.05', '0.24', null, '0.05'],
  ['openrouter', 'deepseek/deepseek-chat-v3.1', 'openrouter/deepseek/deepseek-chat-v3.1', '0.21', '0.79', null, '0.13'],
  ['azure', 'gpt-4.1', 'openai/gpt-4.1', '2', '8', null, '0.5'],
  ['azure_openai', 'gpt-5-mini', 'openai/gpt-5-mini', '0.25', '2', null, '0.025'],
  ['groq', 'llama-3.3-70b-versatile', 'groq/llama-3.3-70b-versatile', '0.59', '0.79', null, '0.59'],
  ['groq', 'openai/gpt-oss-120b', 'groq/openai/gpt-oss-120b', '0.15', '0.6', null, '0.075'],
  ['together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo', '0.88', '0.88', null, '0.88'],
  // The long tail, first party.
  ['mistral', 'mistral-large-latest', 'mistral/mistral-large', '2', '6', null, '2'],
  [null, 'mistral-medium-latest', 'mistral/mistral-medium-latest', '1.5', '7.5', null, '0.15'],
  [null, 'grok-4', 'x-ai/grok-4-0709', '3', '15', null, '0.75'],
  ['x_ai', 'grok-4-fast-reasoning', 'x-ai/grok-4-fast-reasoning', '0.2', '0.5', null, '0.05'],
  ['xai', 'grok-code-fast-1', 'x-ai/grok-code-fast-1', '0.2', '1.5', null, '0.02'],
  [null, 'command-a-03-2025', 'cohere/command-a', '2.5', '10', null, '2.5'],
  [null, 'kimi-k2-0905-preview', 'moonshotai/kimi-k2-0905-preview', '0.6', '2.5', null, '0.15'],
];
/** Names the catalog leaves unpriced, listed in its report: DeepSeek's time-of-day prices, a model the source lacks. */
const UNPRICED: [string | null, string][] = [
  [null, 'deepseek-chat'],
  ['fireworks', 'accounts/fireworks/models/llama-v3p1-70b-instruct'],
];

const TOKENS = { input_tokens: 1000, output_tokens: 500, cache_creation_tokens: 2000, cache_read_tokens: 3000 };
const expected = ([, , , input, output, write, read]: Case) =>
  new Big(TOKENS.input_tokens).times(input).plus(new Big(TOKENS.output_tokens).times(output))
    .plus(new Big(TOKENS.cache_creation_tokens).times(write ?? input)).plus(new Big(TOKENS.cache_read_tokens).times(read))
    .div(1_000_000).toFixed();

describe('the shipped catalog prices current models out of the box', () => {
  let t: TestApp;
  let key: string;
  const RUN = 'coverage-run';
  beforeAll(async () => {
    t = await startTestApp();
    key = await t.keyFor(freshWorkspace('cov'));
    const calls = [...CASES.map(([p, name]) => [p, name] as const), ...UNPRICED].map(([provider, model], i) => ({
      type: 'TokenUsed', event_id: `cov-${i}`, session_id: `cov-s${i}`, execution_id: RUN, occurred_at: '2026-11-30T12:00:00.000Z',
      model, ...(provider ? { provider } : {}), ...TOKENS,
    }));
    const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events: calls });
    expect(res.status).toBe(202);
  });
  afterAll(() => t.close());

  it(`covers at least 40 current models (${CASES.length} calls)`, () => {
    expect(new Set(CASES.map((c) => c[2])).size).toBeGreaterThanOrEqual(40);
  });

  it('resolves each name to its catalog model and prices it exactly; names it cannot price stay unpriced', async () => {
    const run = await waitForRun();
    const byEvent = new Map<string, { model: string; provider: string | null; pricedModel: string | null; costUsdExact: string | null; pricingStatus: string }>(
      run.body.data.calls.map((c: { eventId: string }) => [c.eventId, c]),
    );
    const seen = CASES.map((c, i) => {
      const call = byEvent.get(`cov-${i}`)!;
      return [call.provider, call.model, call.pricedModel, call.costUsdExact];
    });
    expect(seen).toEqual(CASES.map((c) => [c[0], c[1], c[2], expected(c)]));
    const unpriced = UNPRICED.map((_, j) => byEvent.get(`cov-${CASES.length + j}`)!);
    expect(unpriced.map((c) => [c.pricedModel, c.costUsdExact, c.pricingStatus])).toEqual(UNPRICED.map(() => [null, null, 'unpriced']));
    // The run's total is the exact sum of the calls'.
    const total = CASES.reduce((sum, c) => sum.plus(expected(c)), new Big(0));
    expect(run.body.data.totalCostUsdExact).toBe(total.toFixed());
  });

  it("names the price row in a session's breakdown by price (group_by=price)", async () => {
    await waitForRun();
    const res = await t.http.get('/costs/sessions/cov-s32?group_by=price').set('x-api-key', key);
    expect(res.body.breakdown).toEqual([
      { key: `${CASES[32][2]}@1970-01-01T00:00:00.000Z`, cost_usd: expected(CASES[32]), input_tokens: 1000, output_tokens: 500, calls: 1, unpriced_calls: 0 },
    ]);
  });

  async function waitForRun() {
    for (let i = 0; i < 100; i++) {
      const res = await t.http.get(`/v1/workflow-runs/${RUN}/cost?calls_limit=100`).set('x-api-key', key);
      if (res.status === 200 && res.body.data.calls.length === CASES.length + UNPRICED.length) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the run never showed every call');
  }
});
