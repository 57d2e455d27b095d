import defaults from './default-catalog.json';
import { PriceRow } from './price-catalog';

/** The price rows shipped in the repository: the catalog's seed. */
export const DEFAULT_PRICE_ROWS: readonly PriceRow[] = defaults.rows;
