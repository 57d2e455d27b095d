import defaults from './default-catalog.json';
import { PriceRow } from './price-catalog';

/** The price rows shipped in the repository: the catalog's seed. */
// JSON's inferred types mark absent keys undefined; the rows are checked against PriceRow by the pricing specs.
export const DEFAULT_PRICE_ROWS: readonly PriceRow[] = defaults.rows as unknown as readonly PriceRow[];
