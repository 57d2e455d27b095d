import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyChanges } from './api-key-changes';
import { ApiKeysController } from './api-keys.controller';
import { ADMIN_KEY, ApiKeysService } from './api-keys.service';
import { RateLimiter } from './rate-limiter';
import type { RateLimit } from './token-buckets';

@Module({})
export class AuthModule {
  /** `rateLimit` unset: no key is limited. `routes`: whether this process serves the key-management routes. */
  static forRoot(adminKey: string, rateLimit?: RateLimit, routes = true): DynamicModule {
    return {
      module: AuthModule,
      controllers: routes ? [ApiKeysController] : [],
      providers: [
        { provide: ADMIN_KEY, useValue: adminKey },
        { provide: RateLimiter, useValue: new RateLimiter(rateLimit) },
        ApiKeyChanges,
        ApiKeysService,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [ApiKeysService],
    };
  }
}
