import { backoffDelay, parseRetryAfter, retryDelay } from './retry-policy';

const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };

describe('backoffDelay (full jitter)', () => {
  it('waits uniformly below base · 2^attempt', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([99, 199, 399, 799]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 0))).toEqual([0, 0, 0, 0]);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200);
  });

  it('never above the maximum, however many attempts', () => {
    expect([4, 10, 60, 5000].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([999, 999, 999, 999]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date as the time until then, and a past one as 0', () => {
    expect(parseRetryAfter('Fri, 20 Nov 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither (the backoff decides)', () => {
    expect([null, undefined, '', '-1', '1.5', 'soon'].map((v) => parseRetryAfter(v, now))).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('retryDelay', () => {
  it('takes the server\'s Retry-After over the backoff, up to maxRetryAfterMs', () => {
    expect(retryDelay(0, 3000, policy, () => 0.9)).toBe(3000);
    expect(retryDelay(0, 0, policy, () => 0.9)).toBe(0);
    expect(retryDelay(0, 3_600_000, policy, () => 0.9)).toBe(60_000);
    expect(retryDelay(3, undefined, policy, () => 0.5)).toBe(400);
  });
});
