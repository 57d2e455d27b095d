import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

/**
 * Who is calling. A workspace key sees only its workspace; the admin key sees
 * all of them and manages keys and prices.
 */
export type Principal =
  | { readonly kind: 'admin' }
  | {
      readonly kind: 'workspace';
      readonly workspaceId: string;
      /** The `api_keys` row the presented secret belongs to (its current one, or one rotated away still in its grace period). */
      readonly keyId: string;
    };

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal!;
});

export const PUBLIC_ROUTE = 'ledger:public';
/** Marks a route that needs no API key. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export const ADMIN_ROUTE = 'ledger:admin';
/** Marks a route only the admin key may call. */
export const AdminOnly = () => SetMetadata(ADMIN_ROUTE, true);

/**
 * The workspace a read is confined to. A workspace key is always confined to its
 * own, whatever it asks for; the admin key reads all unless it names one.
 */
export function readScope(principal: Principal, requested?: string): string | undefined {
  return principal.kind === 'workspace' ? principal.workspaceId : requested;
}
