import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogFileProblems } from './catalog-file.validation';

const SNAPSHOT = path.resolve(__dirname, '../../../pricing/catalog/genai-prices.snapshot.json');

const file = () => ({
  source: { name: '@pydantic/genai-prices', version: '0.1.8', sha256: 'a'.repeat(64) },
  providers: [
    {
      id: 'anthropic', name: 'Anthropic', aliases: ['claude-api'], pricing_urls: ['https://www.anthropic.com/pricing'],
      provider_match: { contains: 'anthropic' }, model_match: { contains: 'claude' },
      models: [{ model: 'anthropic/claude-sonnet-4-5', match: { or: [{ starts_with: 'claude-sonnet-4-5' }, { regex: '^claude-sonnet-4\\.5' }] } }],
    },
    { id: 'aws', name: 'AWS Bedrock', aliases: ['bedrock'], fallback_model_providers: ['anthropic'], models: [] },
  ],
  rows: [
    {
      model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', effective_from: '1970-01-01T00:00:00.000Z',
      rates: { input: '3', output: '15', cache_creation: '3.75', cache_read: '0.3', web_search: '10' },
      tiers: [{ above_prompt_tokens: 200000, rates: { input: '6', output: '22.5', cache_read: '0.6' } }],
      modifiers: { service_tier: { batch: '0.5' }, inference_geo: { us: '1.1' } },
    },
  ],
  not_imported: [{ provider: 'deepseek', model: 'deepseek/deepseek-chat', reason: 'time-of-day prices' }],
});

/** The file above with one change at a path. */
function withChange(change: (f: ReturnType<typeof file> & Record<string, unknown>) => void) {
  const f = file() as ReturnType<typeof file> & Record<string, unknown>;
  change(f);
  return catalogFileProblems(f).map((p) => `${p.field}: ${p.message}`);
}

describe('catalogFileProblems', () => {
  it('accepts a well-formed file', () => {
    expect(catalogFileProblems(file())).toEqual([]);
  });

  (existsSync(SNAPSHOT) ? it : it.skip)('accepts the snapshot shipped with this version', () => {
    expect(catalogFileProblems(JSON.parse(readFileSync(SNAPSHOT, 'utf8')))).toEqual([]);
  });

  it.each<[string, (f: ReturnType<typeof file> & Record<string, unknown>) => void, string[]]>([
    ['a rate that is not a decimal string', (f) => Object.assign(f.rows[0].rates, { input: 3 }), ['catalog.rows[0].rates.input: must be a decimal string with up to 12 fractional digits, e.g. "2.50"']],
    ['float noise beyond 12 digits', (f) => Object.assign(f.rows[0].tiers[0].rates, { output: '22.5000000000001' }), ['catalog.rows[0].tiers[0].rates.output: must be a decimal string with up to 12 fractional digits, e.g. "2.50"']],
    ['a missing required rate', (f) => delete (f.rows[0].rates as Record<string, unknown>).cache_read, ['catalog.rows[0].rates.cache_read: is required']],
    ['an unknown rate key', (f) => Object.assign(f.rows[0].rates, { input_audio: '1' }), [
      'catalog.rows[0].rates.input_audio: is not a field of catalog.rows[].rates (known: input, output, reasoning, cache_creation, cache_creation_1h, cache_read, web_search)',
    ]],
    ['a date without a zone', (f) => Object.assign(f.rows[0], { effective_from: '2026-01-01T00:00:00' }), ['catalog.rows[0].effective_from: must be an ISO-8601 date-time with a timezone, e.g. 2025-06-10T00:00:00Z']],
    ['a day its month lacks', (f) => Object.assign(f.rows[0], { effective_to: '2026-02-30T00:00:00Z' }), ['catalog.rows[0].effective_to: is not a valid date-time: 2026-02-30 is not a calendar date']],
    ['effective_to before effective_from', (f) => Object.assign(f.rows[0], { effective_to: '1969-01-01T00:00:00Z' }), ['catalog.rows[0].effective_to: must be after effective_from']],
    ['a row of no provider of the file', (f) => Object.assign(f.rows[0], { provider: 'openai' }), [
      "catalog.rows[0].provider: must be the id of one of the file's providers: a file's rows are the catalog's, never the operator's own",
    ]],
    ['a bare model name', (f) => Object.assign(f.rows[0], { model: 'claude-sonnet-4-5' }), ['catalog.rows[0].model: must be provider-qualified: "anthropic/<model id>"']],
    ['the same model and instant twice', (f) => f.rows.push({ ...f.rows[0], effective_from: '1970-01-01T00:00:00Z' }), [
      'catalog.rows[1].effective_from: repeats catalog.rows[0] (anthropic/claude-sonnet-4-5 from the same instant)',
    ]],
    ['tiers out of order', (f) => f.rows[0].tiers.push({ above_prompt_tokens: 128000, rates: { input: '1', output: '1', cache_read: '1' } }), [
      'catalog.rows[0].tiers[1].above_prompt_tokens: must be above the previous tier’s (tiers ascend)',
    ]],
    ['an unknown served tier', (f) => Object.assign(f.rows[0].modifiers.service_tier, { turbo: '2' }), ['catalog.rows[0].modifiers.service_tier.turbo: is not a service_tier (one of standard, batch, flex, priority)']],
    ['a zero multiplier', (f) => Object.assign(f.rows[0].modifiers.inference_geo, { eu: '0' }), [
      'catalog.rows[0].modifiers.inference_geo.eu: must be a decimal multiplier greater than 0 with up to 12 fractional digits, e.g. "0.5"',
    ]],
    ['a provider id with capitals', (f) => Object.assign(f.providers[1], { id: 'AWS' }), [
      'catalog.providers[1].id: must be a provider id (^[a-z0-9][a-z0-9_.-]{0,63}$)',
    ]],
    ['an alias two providers claim', (f) => Object.assign(f.providers[1], { aliases: ['claude-api'] }), ['catalog.providers[1].aliases: claude-api already names provider anthropic']],
    ['a fallback to no provider', (f) => Object.assign(f.providers[1], { fallback_model_providers: ['openai'] }), [
      'catalog.providers[1].fallback_model_providers[0]: names no provider of the file (openai)',
    ]],
    ['a rule of two kinds', (f) => Object.assign(f.providers[0].models[0], { match: { equals: 'a', contains: 'b' } }), [
      'catalog.providers[0].models[0].match: must be a match rule: exactly one of equals, starts_with, ends_with, contains, regex, or, and',
    ]],
    ['a regex that does not compile', (f) => Object.assign(f.providers[0].models[0].match.or[1], { regex: '^claude(' }), [
      'catalog.providers[0].models[0].match.or[1].regex: is not a JavaScript regular expression: Invalid regular expression: /^claude(/: Unterminated group',
    ]],
    ['an empty or', (f) => Object.assign(f.providers[0], { model_match: { or: [] } }), ['catalog.providers[0].model_match.or: must list at least one rule']],
    ['a source without its hash', (f) => Object.assign(f.source, { sha256: 'abc' }), ['catalog.source.sha256: must be a SHA-256 in lower-case hex (64 digits)']],
    ['an unknown top-level key', (f) => Object.assign(f, { prices: [] }), ['catalog.prices: is not a field of catalog (known: description, source, providers, rows, not_imported)']],
    ['no rows', (f) => delete (f as Record<string, unknown>).rows, ['catalog.rows: must be an array']],
  ])('names %s by its path', (_, change, expected) => {
    expect(withChange(change)).toEqual(expected);
  });

  it('stops at 50 problems', () => {
    const f = file();
    const rows = Array.from({ length: 200 }, (_, i) => ({ ...f.rows[0], effective_from: `20${String(i % 100).padStart(2, '0')}-01-01T00:00:00Z`, rates: { input: 'x' } }));
    expect(catalogFileProblems({ ...f, rows })).toHaveLength(50);
  });

  it('refuses what is not an object', () => {
    expect(catalogFileProblems([])).toEqual([{ field: 'catalog', message: 'must be an object', location: 'body' }]);
  });
});
