import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '@ledger/http';
import type { Request } from 'express';
import { ApiKeysService } from './api-keys.service';
import { ADMIN_ROUTE, AuthenticatedRequest, PUBLIC_ROUTE } from './principal';
import { RateLimiter } from './rate-limiter';

/** Reads the key from `x-api-key`, or from `Authorization: Bearer <key>`. */
export function presentedKey(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.length) return header;
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return m?.[1];
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const key = presentedKey(req);
    if (!key) throw new UnauthorizedError('missing API key: send it as x-api-key or Authorization: Bearer');
    const principal = await this.keys.resolve(key);
    if (!principal) throw new UnauthorizedError('invalid API key');
    this.rateLimiter.check(principal);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets) && principal.kind !== 'admin') {
      throw new ForbiddenError('this route needs the admin key');
    }
    req.principal = principal;
    return true;
  }
}
