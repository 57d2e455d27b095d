import { catalogFileHash, CatalogFile } from './catalog-file';
import { diffCatalog, importChangesNothing, rowDifferences } from './catalog-diff';
import type { CatalogProvider } from './model-resolution';
import type { PriceRow } from './price-catalog';
import { CatalogState, EMPTY_CATALOG_STATE, evolveCatalog, PricingEvent } from './pricing-events';

const EPOCH = '1970-01-01T00:00:00.000Z';
const anthropic: CatalogProvider = {
  id: 'anthropic',
  name: 'Anthropic',
  model_match: { contains: 'claude' },
  models: [
    { model: 'anthropic/claude-sonnet-4-5', match: { starts_with: 'claude-sonnet-4-5' } },
    { model: 'anthropic/claude-haiku-4-5', match: { starts_with: 'claude-haiku-4-5' } },
  ],
};
const openai: CatalogProvider = { id: 'openai', name: 'OpenAI', models: [{ model: 'openai/gpt-5', match: { equals: 'gpt-5' } }] };
const sonnet: PriceRow = {
  model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', effective_from: EPOCH,
  rates: { input: '3', output: '15', cache_read: '0.3' },
  tiers: [{ above_prompt_tokens: 200000, rates: { input: '6', output: '22.5', cache_read: '0.6' } }],
};
const haiku: PriceRow = { model: 'anthropic/claude-haiku-4-5', provider: 'anthropic', effective_from: EPOCH, rates: { input: '1', output: '5', cache_read: '0.1' } };
const gpt5: PriceRow = { model: 'openai/gpt-5', provider: 'openai', effective_from: EPOCH, rates: { input: '1.25', output: '10', cache_read: '0.125' } };
const gpt5Later: PriceRow = { ...gpt5, effective_from: '2026-06-01T00:00:00.000Z', rates: { input: '1', output: '8', cache_read: '0.1' } };
const operatorRow: PriceRow = { model: 'my-finetune', effective_from: EPOCH, rates: { input: '9', output: '9', cache_read: '9' } };
const source = { name: '@pydantic/genai-prices', version: '0.1.8', sha256: 'a'.repeat(64) };

const fileOf = (providers: CatalogProvider[], rows: PriceRow[], src = source): CatalogFile => ({ source: src, providers, rows });
const fold = (events: PricingEvent[]): CatalogState => events.reduce(evolveCatalog, EMPTY_CATALOG_STATE);
const imported = (file: CatalogFile): PricingEvent => ({ type: 'CatalogImported', data: diffCatalog(fold([]), file).event });

/** A catalog that imported sonnet, haiku and gpt-5 (two rows), and has one row of the operator's own. */
const state = fold([imported(fileOf([anthropic, openai], [sonnet, haiku, gpt5, gpt5Later])), { type: 'PriceSet', data: operatorRow }]);

describe('diffCatalog', () => {
  it('into an empty catalog: every row added, every provider added, the file recorded with its hash', () => {
    const file = fileOf([anthropic, openai], [sonnet, haiku]);
    expect(diffCatalog(EMPTY_CATALOG_STATE, file)).toEqual({
      event: { source, sha256: catalogFileHash(file), providers: [anthropic, openai], set: [haiku, sonnet], removed: [] },
      diff: { added: [haiku, sonnet], changed: [], removed: [], providers: { added: ['anthropic', 'openai'], removed: [], changed: [], reordered: false } },
    });
  });

  it('one price changed, one model added, one removed: exactly those, the rest and the operator row untouched', () => {
    const sonnetCheaper: PriceRow = { ...sonnet, rates: { input: '2.5', output: '15', cache_read: '0.3' } };
    const opus: PriceRow = { model: 'anthropic/claude-opus-4-5', provider: 'anthropic', effective_from: EPOCH, rates: { input: '5', output: '25', cache_read: '0.5' } };
    const withOpus: CatalogProvider = { ...anthropic, models: [...anthropic.models, { model: opus.model, match: { starts_with: 'claude-opus-4-5' } }] };
    const file = fileOf([withOpus, openai], [sonnetCheaper, opus, gpt5, gpt5Later]);
    expect(diffCatalog(state, file)).toEqual({
      event: {
        source, sha256: catalogFileHash(file), providers: [withOpus, openai],
        set: [opus, sonnetCheaper],
        removed: [{ model: 'anthropic/claude-haiku-4-5', effective_from: EPOCH }],
      },
      diff: {
        added: [opus],
        changed: [{ before: sonnet, after: sonnetCheaper, differences: [{ field: 'rates.input', before: '3', after: '2.5' }] }],
        removed: [haiku],
        providers: { added: [], removed: [], changed: ['anthropic'], reordered: false },
      },
    });
  });

  it("compares prices by value: '3.00' is '3', instants in any offset are the same instant, absent and empty alike", () => {
    const same: PriceRow = {
      ...sonnet, effective_from: '1970-01-01T01:00:00+01:00', aliases: [],
      rates: { input: '3.00', output: '15.0', cache_read: '0.30' },
      tiers: [{ above_prompt_tokens: 200000, rates: { input: '6.000', output: '22.50', cache_read: '0.60' } }],
    };
    const result = diffCatalog(state, fileOf([anthropic, openai], [same, haiku, gpt5, gpt5Later], source));
    expect(result.diff).toEqual({ added: [], changed: [], removed: [], providers: { added: [], removed: [], changed: [], reordered: false } });
    expect(result.event.set).toEqual([]);
    expect(result.event.removed).toEqual([]);
    expect(importChangesNothing(state, result)).toBe(true);
  });

  it('a tier, a modifier, effective_to and aliases are differences too, each named by its path', () => {
    const after: PriceRow = {
      ...sonnet,
      effective_to: '2027-01-01T00:00:00Z',
      aliases: ['sonnet'],
      tiers: [{ above_prompt_tokens: 200000, rates: { input: '6', output: '20', cache_read: '0.6' } }],
      modifiers: { service_tier: { batch: '0.5' } },
    };
    expect(rowDifferences(sonnet, after)).toEqual([
      { field: 'tiers[200000].rates.output', before: '22.5', after: '20' },
      { field: 'aliases', after: 'sonnet' },
      { field: 'effective_to', after: '2027-01-01T00:00:00.000Z' },
      { field: 'modifiers.service_tier.batch', after: '0.5' },
    ]);
    expect(rowDifferences(after, sonnet).map((d) => d.field).sort()).toEqual(
      ['aliases', 'effective_to', 'modifiers.service_tier.batch', 'tiers[200000].rates.output'],
    );
  });

  it('rows are keyed by model and effective_from: a new dated row of a model is added, its old one removed when the file drops it', () => {
    const gpt5Cut: PriceRow = { ...gpt5, effective_from: '2026-09-01T00:00:00Z', rates: { input: '0.9', output: '7', cache_read: '0.09' } };
    const { diff, event } = diffCatalog(state, fileOf([anthropic, openai], [sonnet, haiku, gpt5, gpt5Cut]));
    expect(diff.added).toEqual([{ ...gpt5Cut, effective_from: '2026-09-01T00:00:00.000Z' }]);
    expect(diff.removed).toEqual([gpt5Later]);
    expect(diff.changed).toEqual([]);
    expect(event.removed).toEqual([{ model: 'openai/gpt-5', effective_from: '2026-06-01T00:00:00.000Z' }]);
  });

  it('never removes the operator rows (no provider), and folding the event keeps them', () => {
    const { event, diff } = diffCatalog(state, fileOf([openai], [gpt5]));
    expect(diff.removed.map((r) => r.model)).toEqual(['anthropic/claude-haiku-4-5', 'anthropic/claude-sonnet-4-5', 'openai/gpt-5']);
    expect(diff.providers).toEqual({ added: [], removed: ['anthropic'], changed: [], reordered: false });
    const after = evolveCatalog(state, { type: 'CatalogImported', data: event });
    expect(after.models).toEqual([gpt5, operatorRow]);
    expect(after.source).toEqual({ ...source, catalog_sha256: event.sha256, catalog_version: state.version + 1 });
  });

  it('a provider rule change or a new order of providers counts; the same file again changes nothing', () => {
    const ruled: CatalogProvider = { ...openai, model_match: { starts_with: 'gpt-' } };
    expect(diffCatalog(state, fileOf([anthropic, ruled], [sonnet, haiku, gpt5, gpt5Later])).diff.providers).toEqual({
      added: [], removed: [], changed: ['openai'], reordered: false,
    });
    const swapped = diffCatalog(state, fileOf([openai, anthropic], [sonnet, haiku, gpt5, gpt5Later]));
    expect(swapped.diff.providers).toEqual({ added: [], removed: [], changed: [], reordered: true });
    expect(importChangesNothing(state, swapped)).toBe(false);
    expect(importChangesNothing(state, diffCatalog(state, fileOf([anthropic, openai], [sonnet, haiku, gpt5, gpt5Later])))).toBe(true);
  });

  it('the same prices from another source version are recorded (the source moves), though no row changes', () => {
    const result = diffCatalog(state, fileOf([anthropic, openai], [sonnet, haiku, gpt5, gpt5Later], { ...source, version: '0.1.9' }));
    expect(result.event.set).toEqual([]);
    expect(importChangesNothing(state, result)).toBe(false);
  });
});
