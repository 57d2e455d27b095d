export { DEFAULT_PRICE_ROWS } from './default-catalog';
export { buildCatalog, catalogFromState, priceRef } from './price-catalog';
export { compilePriceTable } from './price-table';
export type { ModelPriceBand, PriceTable, ToolPriceBand } from './price-table';
export type { PriceCatalog, PriceRow, PriceTier, TokenRates } from './price-catalog';
export { PricingCatalog } from './pricing-catalog.service';
export { EMPTY_CATALOG_STATE, evolveCatalog, PRICING_STREAM } from './pricing-events';
export type { CatalogState, PricingEvent, ToolPriceRow } from './pricing-events';
export { PricingModule } from './pricing.module';
