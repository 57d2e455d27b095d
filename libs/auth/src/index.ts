export { AuthModule } from './auth.module';
export { ApiKeysService } from './api-keys.service';
export { AdminOnly, CurrentPrincipal, Public, readScope } from './principal';
export type { Principal } from './principal';
export type { RateLimit } from './token-buckets';
export { WORKSPACE_ID, WORKSPACE_ID_MESSAGE } from './workspace-id';
