import { IngestSlots } from './ingest-slots';

describe('IngestSlots', () => {
  it('given more work than slots, then the rest waits and runs in arrival order as slots free, a failure freeing its slot too', async () => {
    const slots = new IngestSlots(2);
    const started: number[] = [];
    const release: (() => void)[] = [];
    const job = (n: number, fail = false) =>
      slots.run(async () => {
        started.push(n);
        await new Promise<void>((resolve) => release.push(resolve));
        if (fail) throw new Error(`job ${n} failed`);
        return n;
      });
    const jobs = [job(1, true), job(2), job(3), job(4)];
    const settled = Promise.allSettled(jobs);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2]);
    release[0]();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3]);
    release[1]();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3, 4]);
    release[2]();
    release[3]();
    const outcome = await settled;
    expect(outcome.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['job 1 failed', 2, 3, 4]);
  });
});
