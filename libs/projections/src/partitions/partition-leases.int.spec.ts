import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { partitionHolders, PartitionLeases, projectorMembers } from './partition-leases';

const PARTITIONS = 8;

/** A member as a projector process runs one: what it applies is what `apply` was last told. */
interface Member {
  readonly leases: PartitionLeases;
  readonly stop: AbortController;
  readonly run: Promise<void>;
  applied: readonly number[];
  /** Every set it was told, in order. */
  readonly history: (readonly number[])[];
}

describe('PartitionLeases', () => {
  let db: TestDatabase;
  const members: Member[] = [];
  const join = (name: string): Member => {
    const leases = new PartitionLeases(db.pool, { partitions: PARTITIONS, retryMs: 50 });
    const stop = new AbortController();
    const member: Member = { leases, stop, run: Promise.resolve(), applied: [], history: [] };
    (member as { run: Promise<void> }).run = leases.run(async (held) => {
      // A projector stops at a batch boundary: the member hands partitions back only after this resolves.
      await new Promise((r) => setTimeout(r, 20));
      member.applied = held;
      member.history.push(held);
    }, stop.signal);
    void name;
    members.push(member);
    return member;
  };
  const leave = async (m: Member) => {
    m.stop.abort();
    await m.run;
  };
  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; ${JSON.stringify(members.map((m) => m.applied))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** Every partition applied by exactly one member, and each member's share. */
  const shares = async () => {
    const applied = members.filter((m) => !m.stop.signal.aborted).flatMap((m) => m.applied);
    const holders = await partitionHolders(db.pool, PARTITIONS);
    return { applied: [...applied].sort((a, b) => a - b), held: holders.map((h) => h.partition), sizes: members.filter((m) => !m.stop.signal.aborted).map((m) => m.applied.length).sort() };
  };
  const ALL = [0, 1, 2, 3, 4, 5, 6, 7];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(members.map(leave));
    await db.drop();
  });

  it('given members joining and leaving, then each holds its fair share, no partition twice, and a dead one\'s partitions move within seconds', async () => {
    const a = join('a');
    await until('a alone holds every partition', async () => (await shares()).sizes.join() === '8');
    expect(await shares()).toEqual({ applied: ALL, held: ALL, sizes: [8] });

    const b = join('b');
    await until('a and b hold four each', async () => (await shares()).sizes.join() === '4,4');
    expect(await shares()).toEqual({ applied: ALL, held: ALL, sizes: [4, 4] });
    // a stopped applying what it handed back before b could take it: its sets only ever shrank to a subset.
    expect(a.history.map((h) => h.length)).toEqual([8, 4]);
    expect(a.history[1].every((p) => a.history[0].includes(p))).toBe(true);
    expect(b.applied.some((p) => a.applied.includes(p))).toBe(false);

    const c = join('c');
    await until('three members, ceil(8 / 3) = 3 at most each', async () => (await shares()).sizes.join() === '2,3,3');
    expect(await projectorMembers(db.pool)).toBe(3);
    expect(await shares()).toEqual({ applied: ALL, held: ALL, sizes: [2, 3, 3] });

    // A member whose session the server ends (a crash, a kill): its locks are freed, and the others take its share.
    const victim = [a, b, c].find((m) => m.applied.length === 3)!;
    const lostPartitions = victim.applied;
    const started = Date.now();
    await db.pool.query(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND ((l.classid::bigint << 32) | l.objid::bigint) = 7231100 + $1::int`,
      [lostPartitions[0]],
    );
    await until('the victim stops applying', () => victim.applied.length === 0);
    victim.stop.abort();
    await victim.run;
    await until('the two others hold four each', async () => (await shares()).sizes.join() === '4,4');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await shares()).toEqual({ applied: ALL, held: ALL, sizes: [4, 4] });

    // Leaving hands everything back at once.
    const [x, y] = [a, b, c].filter((m) => m !== victim);
    await leave(x);
    expect(x.applied).toEqual([]);
    await until('the last one holds every partition', async () => (await shares()).sizes.join() === '8');
    expect(y.applied).toEqual(ALL);
  });
});
