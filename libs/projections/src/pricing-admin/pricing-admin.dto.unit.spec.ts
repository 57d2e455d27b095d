import { LedgerValidationPipe, ValidationError } from '@ledger/http';
import { ModelPriceBody, WorkspaceModelParams, WorkspacePriceBody } from './pricing-admin.dto';

const pipe = new LedgerValidationPipe();
const check = async (metatype: new () => object, value: unknown, type: 'body' | 'param' = 'body') => {
  try {
    return { ok: await pipe.transform(value, { type, metatype }) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { problems: err.problems.map((p) => [p.field, p.message]) };
  }
};
const rates = { input: '5', output: '25', cache_read: '0.5' };

describe('the pricing admin DTOs, derived from USAGE_CLASSES and PRICE_MODIFIERS', () => {
  it('takes a rate per class, the classes with a fallback optional', async () => {
    const full = { ...rates, cache_creation: '6.25', cache_creation_1h: '10', reasoning: '30', web_search: '10' };
    const { ok } = await check(ModelPriceBody, { effective_from: '2026-01-01T00:00:00Z', rates: full });
    expect(ok).toMatchObject({ rates: full });
    expect(await check(ModelPriceBody, { effective_from: '2026-01-01T00:00:00Z', rates })).toHaveProperty('ok');
  });

  it('names each bad or missing rate by its path, in the rows and their tiers', async () => {
    const res = await check(ModelPriceBody, {
      effective_from: '2026-01-01T00:00:00Z',
      rates: { input: '5', output: '25', web_search: '1.0000000000001', turbo: '1' },
      tiers: [{ above_prompt_tokens: 200000, rates: { ...rates, reasoning: '-1' } }],
    });
    expect(res.problems?.sort()).toEqual([
      ['rates.cache_read', 'cache_read must be a decimal string with up to 12 fractional digits, e.g. "2.50"'],
      ['rates.turbo', 'property turbo should not exist'],
      ['rates.web_search', 'web_search must be a decimal string with up to 12 fractional digits, e.g. "2.50"'],
      ['tiers.0.rates.reasoning', 'reasoning must be a decimal string with up to 12 fractional digits, e.g. "2.50"'],
    ]);
  });

  it('takes modifiers by PRICE_MODIFIERS field and value, each an exact multiplier', async () => {
    const modifiers = { service_tier: { batch: '0.5', flex: '0.5', priority: '2' }, speed: { fast: '2' }, inference_geo: { us: '1.1', 'eu-west': '1.25' } };
    expect((await check(ModelPriceBody, { effective_from: '2026-01-01T00:00:00Z', rates, modifiers })).ok).toMatchObject({ modifiers });
  });

  it.each([
    [{ speed: { fast: '0' } }, 'modifiers.speed.fast', 'modifiers.speed.fast must be a decimal multiplier greater than 0 with up to 12 fractional digits, e.g. "0.5"'],
    [{ speed: { fast: '0.000' } }, 'modifiers.speed.fast', expect.stringContaining('greater than 0')],
    [{ speed: { fast: 2 } }, 'modifiers.speed.fast', expect.stringContaining('modifiers.speed.fast must be a decimal multiplier')],
    [{ speed: { turbo: '2' } }, 'modifiers.speed.turbo', 'property turbo should not exist'],
    [{ speed: { standard: '2' } }, 'modifiers.speed.standard', 'modifiers.speed.standard is the default (list price): calls served with it are never multiplied'],
    [{ service_tier: 'batch' }, 'modifiers.service_tier', 'modifiers.service_tier must be an object of service_tier value → multiplier'],
    [{ region: { us: '1.1' } }, 'modifiers.region', 'property region should not exist'],
    [{ inference_geo: { US: '1.1' } }, 'modifiers.inference_geo', expect.stringMatching(/^modifiers\.inference_geo\.US: inference_geo values are 1-32 lowercase/)],
    [{ inference_geo: { us: '1.1x' } }, 'modifiers.inference_geo', expect.stringContaining('modifiers.inference_geo.us must be a decimal multiplier')],
    [{ inference_geo: { global: '1' } }, 'modifiers.inference_geo', expect.stringContaining('modifiers.inference_geo.global is the default')],
    ['fast', 'modifiers', 'modifiers must be an object of modifier → value → multiplier'],
  ])('refuses modifiers %j, naming %s', async (modifiers, field, message) => {
    const res = await check(ModelPriceBody, { effective_from: '2026-01-01T00:00:00Z', rates, modifiers });
    expect(res.problems).toEqual([[field, message]]);
  });

  describe('a negotiated price', () => {
    const at = { effective_from: '2026-01-01T00:00:00Z' };
    it('takes full rates (with tiers and modifiers) or a multiplier', async () => {
      expect((await check(WorkspacePriceBody, { ...at, multiplier: '0.8' })).ok).toMatchObject({ multiplier: '0.8' });
      const full = { ...at, rates, tiers: [{ above_prompt_tokens: 1000, rates }], modifiers: { speed: { fast: '2' } } };
      expect((await check(WorkspacePriceBody, full)).ok).toMatchObject(full);
    });

    it.each([
      [{}, [['rates', 'give exactly one of rates or multiplier']]],
      [{ rates, multiplier: '0.8' }, [['rates', 'give exactly one of rates or multiplier']]],
      [{ multiplier: '0' }, [['multiplier', expect.stringContaining('multiplier must be a decimal multiplier greater than 0')]]],
      [{ multiplier: '0.8', tiers: [] }, [['tiers', expect.stringContaining('tiers go with rates, not with a multiplier')]]],
      [{ multiplier: '0.8', modifiers: { speed: { fast: '2' } } }, [['modifiers', expect.stringContaining('modifiers go with rates')]]],
      [{ rates: { input: '1' } }, [['rates.output', expect.any(String)], ['rates.cache_read', expect.any(String)]]],
    ])('refuses %j', async (body, problems) => {
      expect((await check(WorkspacePriceBody, { ...at, ...body })).problems).toEqual(problems);
    });

    it('takes a workspace id as elsewhere, and `*` for every model', async () => {
      expect((await check(WorkspaceModelParams, { workspace_id: 'ws_acme.1-x', model: '*' }, 'param')).ok).toMatchObject({ model: '*' });
      expect((await check(WorkspaceModelParams, { workspace_id: 'ws acme', model: 'm' }, 'param')).problems).toEqual([
        ['workspace_id', 'workspace_id must be 1-64 characters of letters, digits, _ - .'],
      ]);
    });
  });
});
