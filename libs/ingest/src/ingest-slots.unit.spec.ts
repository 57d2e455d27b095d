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

  it('given a projector that asked for room, then one batch runs at a time until the time asked for has passed, and the queue keeps its order', async () => {
    const slots = new IngestSlots(2);
    const started: number[] = [];
    const release = new Map<number, () => void>();
    const job = (n: number) =>
      slots.run(async () => {
        started.push(n);
        await new Promise<void>((resolve) => release.set(n, resolve));
      });
    const tick = () => new Promise((r) => setImmediate(r));
    slots.yieldFor(60);
    const jobs = [job(1), job(2), job(3), job(4)];
    await tick();
    expect(started).toEqual([1]);
    release.get(1)!();
    await tick();
    expect(started).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 80));
    // The room asked for has passed: the end of batch 2 lets two in again.
    release.get(2)!();
    await tick();
    expect(started).toEqual([1, 2, 3, 4]);
    release.get(3)!();
    release.get(4)!();
    await Promise.all(jobs);
    // Asked again while two run: neither is stopped, the next waits for both.
    const more = [job(5), job(6)];
    await tick();
    slots.yieldFor(60_000);
    const seventh = job(7);
    release.get(5)!();
    await tick();
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
    release.get(6)!();
    await tick();
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    release.get(7)!();
    await Promise.all([...more, seventh]);
  });
});
