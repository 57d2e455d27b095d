/** How long to wait before retrying a batch the ledger did not acknowledge. */
export interface RetryPolicy {
  /** Retries after the first attempt; then the batch is dropped (`dropped.retriesExhausted`). */
  readonly maxRetries: number;
  /** The cap of the first retry's wait; each retry doubles it, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A server's `Retry-After` is honoured up to this; a longer one (a misconfigured proxy) waits this long. */
  readonly maxRetryAfterMs: number;
}

/**
 * Exponential backoff with full jitter: a uniform wait in [0, min(max, base · 2^attempt)). Full jitter
 * spreads the retries of many clients that failed together, rather than moving their stampede later.
 * `attempt` is 0 for the first retry.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 52));
  return Math.floor(random() * cap);
}

/**
 * A `Retry-After` value (RFC 9110 §10.2.3) in milliseconds from `now`: delay-seconds, or an HTTP-date
 * (a date already past is 0). Anything else is ignored (undefined), and the backoff decides.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse reads bare numbers such as "1.5" as dates: only a value that spells a date is taken as one.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before retry number `attempt` (0-based): the server's `Retry-After` when it gave one, else the backoff. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(attempt, policy, random);
}
