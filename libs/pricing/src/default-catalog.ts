import snapshot from '../catalog/genai-prices.snapshot.json';
import type { CatalogFile } from './catalog-file';

/**
 * The catalog shipped with this version: genai-prices' data converted with the overlay applied (ADR 0022).
 * It seeds the catalog on first start, and is what `ledger catalog import` compares with by default.
 */
// JSON's inferred types mark absent keys undefined; the file is checked against CatalogFile by the converter's specs.
export const SHIPPED_CATALOG: CatalogFile = snapshot as unknown as CatalogFile;
