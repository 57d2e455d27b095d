import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { findLeaseHolder, LeasedWork, ProjectorLease } from './projector-lease';

const within = <T>(ms: number, p: Promise<T>, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
const settled = (p: Promise<unknown>) => Promise.race([p.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 300))]);

describe('ProjectorLease', () => {
  let db: TestDatabase;
  let key = 9_000_000_000;
  const leases: ProjectorLease[] = [];
  let stopAll: AbortController;
  /** A lease on its own key per test, so that tests never see each other's locks. */
  const lease = (opts: { key?: number; ttlMs?: number } = {}) => {
    const l = new ProjectorLease(db.pool, { key: opts.key ?? key, retryMs: 50, ttlMs: opts.ttlMs });
    leases.push(l);
    return l;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(() => {
    key += 1;
    stopAll = new AbortController();
  });
  afterEach(async () => {
    stopAll.abort();
    await Promise.all(leases.splice(0).map((l) => l.release()));
  });
  afterAll(async () => {
    await db.drop();
  });

  it('given one holder, then a second waits until the holder releases', async () => {
    const a = lease();
    const b = lease();
    await a.acquire();
    const waiting = b.acquire();
    expect(await settled(waiting)).toBe(false);
    expect([a.held, b.held]).toEqual([true, false]);

    await a.release();
    await within(2000, waiting, 'the standby taking the released lease');
    expect([a.held, b.held]).toEqual([false, true]);
  });

  it('given the holder\'s session is terminated, then the holder is told and the standby takes over', async () => {
    const a = lease();
    const b = lease();
    await a.acquire();
    const lost = new Promise<Error>((resolve) => a.onLost(resolve));
    const waiting = b.acquire();
    const holder = await findLeaseHolder(db.pool, key);
    expect(holder).toBeDefined();

    await db.pool.query('SELECT pg_terminate_backend($1)', [holder!.pid]);
    expect((await within(2000, lost, 'the holder noticing')).message).toMatch(/terminat|ended/);
    expect(a.held).toBe(false);
    await within(2000, waiting, 'the standby taking over');
    expect(b.held).toBe(true);
    expect((await findLeaseHolder(db.pool, key))!.pid).not.toBe(holder!.pid);
  });

  it('given the holder goes silent, then PostgreSQL ends its session after ttlMs and frees the lock', async () => {
    const a = lease({ ttlMs: 400 });
    await a.acquire();
    const lost = new Promise<Error>((resolve) => a.onLost(resolve));
    const pid = (await findLeaseHolder(db.pool, key))!.pid;
    // A process that hangs: nothing on this event loop runs, so no heartbeat is sent.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 900);

    await within(2000, lost, 'the silent holder losing the lease');
    const { rows } = await db.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    expect(rows).toEqual([]);
    const b = lease();
    await within(2000, b.acquire(), 'another instance taking the lease');
  });

  it('is one lease per key: different keys are held at once', async () => {
    const a = lease();
    const other = lease({ key: key + 1_000_000 });
    await a.acquire();
    await within(2000, other.acquire(), 'a lease on another key');
    expect([a.held, other.held]).toEqual([true, true]);
  });

  it('given acquire is aborted while waiting, then it rejects and holds nothing', async () => {
    const a = lease();
    const b = lease();
    await a.acquire();
    const stop = new AbortController();
    const waiting = b.acquire(stop.signal);
    stop.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
    expect(b.held).toBe(false);
  });

  describe('runWhileHeld', () => {
    const until = async (cond: () => boolean, ms = 3000) => {
      const deadline = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    it('runs the work on one instance at a time, hands it on when the holder is lost, and releases on abort', async () => {
      const log: string[] = [];
      let running = 0;
      let mostAtOnce = 0;
      const work = (name: string): LeasedWork => ({
        start: () => {
          mostAtOnce = Math.max(mostAtOnce, ++running);
          log.push(`${name} start`);
        },
        stop: async () => {
          running -= 1;
          log.push(`${name} stop`);
        },
      });
      const a = lease();
      const b = lease();
      const runs = [a.runWhileHeld(work('a'), stopAll.signal)];
      await until(() => a.held);
      runs.push(b.runWhileHeld(work('b'), stopAll.signal));
      await new Promise((r) => setTimeout(r, 200));
      expect(log).toEqual(['a start']);

      // a's session dies: a stops, and whichever instance takes the lease next starts.
      await db.pool.query('SELECT pg_terminate_backend($1)', [(await findLeaseHolder(db.pool, key))!.pid]);
      await until(() => log.length === 3);
      expect(log.slice(0, 2)).toEqual(['a start', 'a stop']);
      expect(['a start', 'b start']).toContain(log[2]);
      const successor = log[2].replace(' start', '');

      stopAll.abort();
      await Promise.all(runs);
      expect(log.at(-1)).toBe(`${successor} stop`);
      expect([running, mostAtOnce]).toEqual([0, 1]);
      expect([a.held, b.held]).toEqual([false, false]);
      expect(await findLeaseHolder(db.pool, key)).toBeUndefined();
    });

    it('gives the lease up when the work cannot start, so that a standby can take it', async () => {
      const broken: LeasedWork = {
        start: () => {
          throw new Error('cannot start');
        },
        stop: async () => undefined,
      };
      const run = lease().runWhileHeld(broken, stopAll.signal);
      await within(2000, lease().acquire(), 'another instance taking the lease');
      stopAll.abort();
      await run;
    });
  });
});
