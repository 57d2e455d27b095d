export interface RateLimit {
  /** Tokens added per second: the sustained request rate. */
  readonly perSecond: number;
  /** Tokens a bucket holds at most: the requests a key may send at once after a quiet spell. */
  readonly burst: number;
}

/**
 * One token bucket per key: a request takes a token; tokens come back at `perSecond`, up to `burst`.
 * Each bucket is kept as the one number that says it all, the time at which it would be full again
 * (the "virtual scheduling" form of a token bucket, GCRA), so there is no fractional token count to
 * round. `now` is in milliseconds and injected, so a spec can step time exactly. A bucket exists only
 * for a key that authenticated, so their number is bounded by the keys issued.
 */
export class TokenBuckets {
  /** Milliseconds per token. */
  private readonly interval: number;
  /** How far ahead of now a bucket's "full at" may run: `burst - 1` tokens' worth. */
  private readonly tolerance: number;
  private readonly fullAt = new Map<string, number>();

  constructor(
    limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.interval = 1000 / limit.perSecond;
    this.tolerance = (limit.burst - 1) * this.interval;
  }

  /** Takes a token for `key`. Returns 0 if there was one, else the milliseconds until there will be. */
  take(key: string): number {
    const now = this.now();
    const fullAt = Math.max(this.fullAt.get(key) ?? now, now);
    const wait = fullAt - this.tolerance - now;
    if (wait > 0) return Math.ceil(wait);
    this.fullAt.set(key, fullAt + this.interval);
    return 0;
  }
}
