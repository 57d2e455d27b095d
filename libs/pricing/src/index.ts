export { DEFAULT_PRICE_ROWS } from './default-catalog';
export {
  ATTRIBUTION_DP,
  attributeToTools,
  buildCatalog,
  catalogFromState,
  priceRef,
  priceToolCall,
  priceUsage,
} from './price-catalog';
export type { PriceCatalog, PricedUsage, PriceRow, PriceTier, TokenCounts, TokenRates } from './price-catalog';
export { PricingCatalog } from './pricing-catalog.service';
export { EMPTY_CATALOG_STATE, evolveCatalog, PRICING_EVENT_TYPES, PRICING_STREAM } from './pricing-events';
export type { CatalogState, PricingEvent, ToolPriceRow } from './pricing-events';
export { PricingModule } from './pricing.module';
