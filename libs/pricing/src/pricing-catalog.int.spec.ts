import { withEventLog } from '@ledger/testing';
import { catalogFileHash } from './catalog-file';
import { SHIPPED_CATALOG } from './default-catalog';
import { PricingCatalog } from './pricing-catalog.service';

describe('PricingCatalog', () => {
  const log = withEventLog();

  it('seeds once, and folds each change exactly once however many refreshes overlap', async () => {
    const a = new PricingCatalog(log.store);
    const b = new PricingCatalog(log.store);
    await Promise.all([a.onModuleInit(), b.onModuleInit()]);
    // The shipped snapshot, as one version.
    expect([a.version, b.version]).toEqual([1, 1]);
    expect(a.rows.models).toHaveLength(SHIPPED_CATALOG.rows.length);
    expect(a.rows.source).toEqual({ ...SHIPPED_CATALOG.source, catalog_sha256: catalogFileHash(SHIPPED_CATALOG), catalog_version: 1 });

    await b.change({ type: 'PriceSet', data: { model: 'm', effective_from: '2026-01-01T00:00:00.000Z', rates: { input: '1', output: '1', cache_creation: '1', cache_read: '1' } } }, b.version);
    const seen = await Promise.all([a.refresh(), a.refresh(), a.refresh()]);
    expect(seen.map((c) => c.version)).toEqual([2, 2, 2]);
    expect(a.rows.models.filter((r) => r.model === 'm')).toHaveLength(1);
    await expect(a.change({ type: 'PriceRemoved', data: { model: 'm', effective_from: '2026-01-01T00:00:00.000Z' } }, a.version - 1)).rejects.toThrow(
      /the pricing catalog changed meanwhile/,
    );
  });

  it('answers the catalog as it was at an earlier version, for a schema that keeps one', async () => {
    const catalog = new PricingCatalog(log.store);
    await catalog.onModuleInit();
    const before = (await catalog.refresh()).version;
    const rates = { input: '1', output: '1', cache_read: '1' };
    const latest = await catalog.change({ type: 'PriceSet', data: { model: 'n', effective_from: '2026-01-01T00:00:00.000Z', rates } }, before);
    const earlier = await catalog.at(before);
    expect([earlier.version, earlier.rows.some((r) => r.model === 'n'), latest.rows.some((r) => r.model === 'n')]).toEqual([before, false, true]);
    expect((await catalog.at(1)).rows).toHaveLength(SHIPPED_CATALOG.rows.length);
    expect(await catalog.at(latest.version)).toBe(latest);
    await expect(catalog.at(latest.version + 5)).rejects.toThrow(`the pricing catalog has no version ${latest.version + 5}`);
  });
});
