import type { PriceRow } from '@ledger/pricing';
import rows from './fixture-price-rows.json';

/**
 * Eleven hand-written list prices under bare model names (the ledger's seed before ADR 0022), for specs that
 * build a catalog of their own: exact, small and stable whatever the shipped snapshot holds.
 */
// JSON's inferred types mark absent keys undefined; the rows are PriceRows by construction.
export const FIXTURE_PRICE_ROWS: readonly PriceRow[] = rows.rows as unknown as readonly PriceRow[];
