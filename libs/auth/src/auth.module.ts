import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyChanges } from './api-key-changes';
import { ApiKeysController } from './api-keys.controller';
import { ADMIN_KEY, ApiKeysService } from './api-keys.service';

@Module({})
export class AuthModule {
  static forRoot(adminKey: string): DynamicModule {
    return {
      module: AuthModule,
      controllers: [ApiKeysController],
      providers: [
        { provide: ADMIN_KEY, useValue: adminKey },
        ApiKeyChanges,
        ApiKeysService,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [ApiKeysService],
    };
  }
}
