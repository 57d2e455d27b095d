export { AuthModule } from './auth.module';
export { ApiKeysService } from './api-keys.service';
export { AdminOnly, CurrentPrincipal, isAdmin, Public, scopeOf } from './principal';
export type { Principal } from './principal';
