import { AdaptiveBatchSize, MAX_BATCH_GROWTH } from './batched';

describe('AdaptiveBatchSize', () => {
  it('given full batches, then it doubles up to the cap; given a short one, then it is back to the configured size', () => {
    const size = new AdaptiveBatchSize(5000);
    const seen = [size.size];
    for (const full of [true, true, true, true, true, false, true, false, false]) {
      size.update(full);
      seen.push(size.size);
    }
    expect(seen).toEqual([5000, 10000, 20000, 40000, 40000, 40000, 5000, 10000, 5000, 5000]);
    expect(MAX_BATCH_GROWTH * 5000).toBe(40000);
  });

  it('given a configured size that is not a power of two, then the cap is still 8 times it', () => {
    const size = new AdaptiveBatchSize(3);
    for (let i = 0; i < 5; i++) size.update(true);
    expect(size.size).toBe(24);
  });
});
