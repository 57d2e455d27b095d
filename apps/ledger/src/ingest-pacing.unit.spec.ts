import { IngestSlots } from '@ledger/ingest';
import type { ProjectorProgress, ProjectorRunner } from '@ledger/projections';
import { LOG_START } from '@ledger/event-store';
import { IngestPacing } from './ingest-pacing';

describe('IngestPacing', () => {
  it('given the projector beside ingest is caught up, then two batches are recorded at once; once it reads a full page, one at a time', async () => {
    let report: (p: ProjectorProgress) => void = () => undefined;
    const runner = { projector: { onProgress: (l: typeof report) => ((report = l), () => (report = () => undefined)) } } as unknown as ProjectorRunner;
    const slots = new IngestSlots(2);
    const pacing = new IngestPacing(runner, slots);
    pacing.onApplicationBootstrap();
    let started = 0;
    let finished = 0;
    const running = () => started - finished;
    const hold = () => {
      let release!: () => void;
      const done = slots.run(() => {
        started++;
        return new Promise<void>((r) => (release = r)).finally(() => finished++);
      });
      return { done, release: () => release() };
    };
    const progress = (caughtUp: boolean): ProjectorProgress => ({ position: LOG_START, eventsApplied: 0, caughtUp });

    report(progress(true));
    const [a, b] = [hold(), hold()];
    await new Promise((r) => setImmediate(r));
    expect(running()).toBe(2);
    a.release();
    b.release();
    await Promise.all([a.done, b.done]);

    report(progress(false));
    const [c, d] = [hold(), hold()];
    await new Promise((r) => setImmediate(r));
    expect(running()).toBe(1);
    c.release();
    await c.done;
    await new Promise((r) => setImmediate(r));
    expect(running()).toBe(1);
    d.release();
    await d.done;

    pacing.onApplicationShutdown();
  });
});
