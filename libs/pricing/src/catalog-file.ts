import { createHash } from 'node:crypto';
import type { PriceRow } from './price-catalog';
import type { CatalogProvider } from './model-resolution';

/** Where a catalog file's prices came from: the source package, its version and the SHA-256 of its price data. */
export interface CatalogSource {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

/** Something of the source the catalog does not price, and why (the conversion report). */
export interface NotImported {
  readonly provider: string;
  readonly model: string;
  readonly reason: string;
  /** The price keys concerned (float noise, a dimension the ledger does not measure). */
  readonly keys?: readonly string[];
}

/**
 * A whole list-price catalog as a file: the snapshot shipped with each release (converted from the source
 * with the overlay applied) and what `ledger catalog import` reads. Its rows are the provider-qualified
 * ones (`provider` set); the operator's own rows and negotiated prices are never part of a file.
 */
export interface CatalogFile {
  readonly description?: string;
  readonly source: CatalogSource;
  readonly providers: readonly CatalogProvider[];
  readonly rows: readonly PriceRow[];
  readonly not_imported?: readonly NotImported[];
}

/** The SHA-256 of what a file prices with (its providers and rows): recorded with the version that imports it. */
export const catalogFileHash = (file: Pick<CatalogFile, 'providers' | 'rows'>): string =>
  createHash('sha256').update(JSON.stringify({ providers: file.providers, rows: file.rows })).digest('hex');
