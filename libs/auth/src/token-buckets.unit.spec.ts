import { TokenBuckets } from './token-buckets';

describe('TokenBuckets', () => {
  let now: number;
  const buckets = (perSecond: number, burst: number) => new TokenBuckets({ perSecond, burst }, () => now);
  beforeEach(() => (now = 1_000_000));

  it('lets a burst through at once, then one request per 1/rate seconds', () => {
    const b = buckets(2, 3);
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 0]);
    expect(b.take('k')).toBe(500);
    now += 499;
    expect(b.take('k')).toBe(1);
    now += 1;
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBe(500);
  });

  it('refills up to the burst and no further', () => {
    const b = buckets(10, 2);
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 100]);
    now += 60_000;
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 100]);
  });

  it('keeps one bucket per key', () => {
    const b = buckets(1, 1);
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBe(1000);
    expect(b.take('b')).toBe(0);
  });

  it('counts a refused request as taking nothing', () => {
    const b = buckets(1, 1);
    b.take('k');
    now += 250;
    expect(b.take('k')).toBe(750);
    expect(b.take('k')).toBe(750);
    now += 750;
    expect(b.take('k')).toBe(0);
  });

  it('handles rates below one per second', () => {
    const b = buckets(0.5, 1);
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBe(2000);
  });
});
