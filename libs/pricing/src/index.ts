export { DEFAULT_PRICE_ROWS } from './default-catalog';
export { ATTRIBUTION_DP, attributeToTools, buildCatalog, priceRef, priceUsage } from './price-catalog';
export type { PriceCatalog, PricedUsage, PriceRow, PriceTier, TokenCounts, TokenRates } from './price-catalog';
export { PricingCatalog, PricingModule } from './pricing.module';
