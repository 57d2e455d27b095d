import { Module } from '@nestjs/common';
import { PricingCatalog } from './pricing-catalog.service';

@Module({ providers: [PricingCatalog], exports: [PricingCatalog] })
export class PricingModule {}
