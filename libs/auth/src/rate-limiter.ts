import { RateLimitedError } from '@ledger/http';
import { Principal } from './principal';
import { RateLimit, TokenBuckets } from './token-buckets';

/**
 * Per-key rate limiting, off unless configured (ADR 0017). Buckets live in each process: behind N
 * replicas a key may send up to N times the rate. The admin key is never limited: it is the operator's
 * way in during an incident (revoking a key that floods the service, starting a rebuild).
 */
export class RateLimiter {
  private readonly buckets?: TokenBuckets;

  constructor(limit: RateLimit | undefined, now: () => number = Date.now) {
    this.buckets = limit && new TokenBuckets(limit, now);
  }

  /** Throws RateLimitedError when the principal's key has no token left. */
  check(principal: Principal): void {
    if (!this.buckets || principal.kind !== 'workspace') return;
    const waitMs = this.buckets.take(principal.keyId);
    if (waitMs > 0) throw new RateLimitedError(Math.ceil(waitMs / 1000));
  }
}
