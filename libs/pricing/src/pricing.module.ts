import { Injectable, Module } from '@nestjs/common';
import { DEFAULT_PRICE_ROWS } from './default-catalog';
import { buildCatalog, PriceCatalog } from './price-catalog';

/** The catalog the projections price with. */
@Injectable()
export class PricingCatalog {
  private catalog: PriceCatalog = buildCatalog(DEFAULT_PRICE_ROWS, 1);

  current(): PriceCatalog {
    return this.catalog;
  }
}

@Module({ providers: [PricingCatalog], exports: [PricingCatalog] })
export class PricingModule {}
