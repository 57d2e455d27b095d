import { buildCatalog, PriceRow } from './price-catalog';
import { CatalogProvider, resolveModel } from './model-resolution';

const rates = { input: '1', output: '2', cache_read: '0.1' };
const row = (model: string, provider?: string, aliases?: string[]): PriceRow => ({ model, provider, aliases, effective_from: '2025-01-01T00:00:00.000Z', rates });

const providers: CatalogProvider[] = [
  {
    id: 'anthropic',
    name: 'Anthropic',
    model_match: { contains: 'claude' },
    provider_match: { contains: 'anthropic' },
    models: [
      { model: 'anthropic/claude-sonnet-4-5', match: { or: [{ starts_with: 'claude-sonnet-4-5' }, { starts_with: 'claude-sonnet-4.5' }] } },
      { model: 'anthropic/claude-sonnet-4-0', match: { or: [{ starts_with: 'claude-sonnet-4-2025' }, { equals: 'claude-sonnet-4' }] } },
    ],
  },
  {
    id: 'aws',
    name: 'AWS Bedrock',
    aliases: ['bedrock', 'aws-bedrock'],
    provider_match: { or: [{ contains: 'bedrock' }, { contains: 'amazon' }] },
    models: [{ model: 'aws/claude-sonnet-4-5', match: { regex: '^(?:us\\.|eu\\.)?anthropic\\.claude-sonnet-4-5-\\d{8}-v\\d:\\d$' } }],
  },
  { id: 'openai', name: 'OpenAI', model_match: { or: [{ starts_with: 'gpt-' }, { regex: '^o[134]' }] }, models: [{ model: 'openai/gpt-4o', match: { equals: 'gpt-4o' } }] },
  { id: 'azure', name: 'Azure', fallback_model_providers: ['openai'], models: [] },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    models: [
      { model: 'openrouter/anthropic/claude-sonnet-4.5', match: { equals: 'anthropic/claude-sonnet-4.5' } },
      { model: 'openrouter/gpt-4o', match: { equals: 'gpt-4o' } },
    ],
  },
  { id: 'google', name: 'Google', model_match: { contains: 'gemini' }, models: [{ model: 'google/gemini-2.5-pro', match: { starts_with: 'gemini-2.5-pro' } }] },
];

const catalog = buildCatalog(
  [row('anthropic/claude-sonnet-4-5', 'anthropic'), row('openai/gpt-4o', 'openai'), row('my-fine-tune', undefined, ['ft-latest']), row('gpt-4o-team', undefined, ['claude-sonnet-4-5-special'])],
  1,
  [],
  [{ workspace_id: 'w', model: 'private-model', effective_from: '2025-01-01T00:00:00.000Z', rates }],
  providers,
);
const resolve = (provider: string | null, name: string) => resolveModel(catalog, provider, name);

describe('resolveModel', () => {
  it("takes a name the catalog knows as written first: the operator's row, an explicit alias, a negotiated price", () => {
    expect(resolve(null, 'my-fine-tune')).toBe('my-fine-tune');
    expect(resolve('openai', 'ft-latest')).toBe('my-fine-tune');
    // An explicit alias wins over the rule that would match it.
    expect(resolve('anthropic', 'claude-sonnet-4-5-special')).toBe('gpt-4o-team');
    expect(resolve(null, 'private-model')).toBe('private-model');
  });

  it("takes a provider-qualified model as written when no rule matched, and reads a provider's prefix without a provider", () => {
    expect(resolve(null, 'anthropic/claude-sonnet-4-5')).toBe('anthropic/claude-sonnet-4-5');
    expect(resolve('openrouter', 'openai/gpt-4o')).toBe('openai/gpt-4o');
    // A provider's own rule comes before a qualified model of the same spelling.
    const spelt = buildCatalog([row('openai/gpt-4o', 'openai')], 1, [], [], [...providers, { id: 'router', name: 'R', models: [{ model: 'router/gpt', match: { equals: 'openai/gpt-4o' } }] }]);
    expect(resolveModel(spelt, 'router', 'openai/gpt-4o')).toBe('router/gpt');
    expect(resolve(null, 'anthropic/claude-sonnet-4-5-20250929')).toBe('anthropic/claude-sonnet-4-5');
    expect(resolve(null, 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('aws/claude-sonnet-4-5');
  });

  it('resolves within the named provider, found by id, alias or its rule, in its models order, case-insensitively', () => {
    expect(resolve('anthropic', 'claude-sonnet-4-5-20250929')).toBe('anthropic/claude-sonnet-4-5');
    expect(resolve(' Anthropic ', 'CLAUDE-SONNET-4.5')).toBe('anthropic/claude-sonnet-4-5');
    expect(resolve('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('aws/claude-sonnet-4-5');
    expect(resolve('amazon-bedrock-runtime', 'anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('aws/claude-sonnet-4-5');
    expect(resolve('openrouter', 'anthropic/claude-sonnet-4.5')).toBe('openrouter/anthropic/claude-sonnet-4.5');
    expect(resolve('openrouter', 'gpt-4o')).toBe('openrouter/gpt-4o');
  });

  it("falls back to the provider's fallback providers, then to a -YYYYMMDD date spelt -YYYY-MM-DD", () => {
    expect(resolve('azure', 'gpt-4o')).toBe('openai/gpt-4o');
    const dated = buildCatalog([], 1, [], [], [{ id: 'x', name: 'X', models: [{ model: 'x/m', match: { equals: 'm-2025-09-29' } }] }]);
    expect(resolveModel(dated, 'x', 'm-20250929')).toBe('x/m');
    expect(resolveModel(dated, 'x', 'm-20250931')).toBeNull();
  });

  it('without a provider, resolves only within the first provider that claims the name as first party', () => {
    expect(resolve(null, 'claude-sonnet-4-20250514')).toBe('anthropic/claude-sonnet-4-0');
    expect(resolve(null, 'gpt-4o')).toBe('openai/gpt-4o');
    // OpenRouter prices this name, but a reseller's price is never taken for a call that did not name it: the prefix names Anthropic.
    expect(resolve(null, 'anthropic/claude-sonnet-4.5')).toBe('anthropic/claude-sonnet-4-5');
    expect(resolve(null, 'meta-llama/llama-3.3-70b')).toBeNull();
  });

  it('never guesses: an unknown provider or a name no rule matches is unresolved', () => {
    expect(resolve('nobody', 'gpt-4o')).toBeNull();
    expect(resolve('google', 'gemini-9-ultra')).toBeNull();
    expect(resolve(null, 'llama-3.1-70b')).toBeNull();
    expect(resolve('anthropic', 'gpt-4o')).toBeNull();
  });
});
