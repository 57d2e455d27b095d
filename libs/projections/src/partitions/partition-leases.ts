import { Client, Pool } from 'pg';
import { allPartitions } from './partition-of';
import { endQuietly } from '../projector-lease';

/** Advisory-lock key every projector process holds shared while it is a member: how many there are is how many hold it. */
export const PROJECTOR_MEMBER_KEY = 7231004n;
/** Partition p's lease is the advisory lock PARTITION_LEASE_BASE + p (7231001: migrations, 7231002: the coordinator, 7231003: dead-letter retries, 7231005: the gate). */
export const PARTITION_LEASE_BASE = 7231100n;

export const partitionLeaseKey = (partition: number): bigint => PARTITION_LEASE_BASE + BigInt(partition);

export interface PartitionLeasesOptions {
  readonly partitions: number;
  /** How often a member looks at who holds what, takes free partitions and hands back extras. */
  readonly retryMs?: number;
  /** As ProjectorLease's: PostgreSQL ends a member's session, and so frees its partitions, after this much silence. */
  readonly ttlMs?: number;
  readonly log?: (message: string) => void;
}

/** Changes what this process projects; resolves once the projector runs with exactly `held` (none: stopped). */
export type ApplyPartitions = (held: readonly number[]) => Promise<void>;

/**
 * A projector process's share of the partitions (ADR 0026). Like ProjectorLease (ADR 0005), every lock is a
 * session advisory lock on one connection of its own, with `idle_session_timeout`, so a dead or cut-off
 * member's partitions free within seconds and nothing else can release them. A member holds the member lock
 * shared; every `retryMs` it counts the members (pg_locks), and holds its fair share, ceil(partitions /
 * members): it takes free partitions up to it, and when a member joins it hands back what it holds beyond it,
 * after the projector has stopped applying them (at a batch boundary). No partition is ever held twice: a
 * partition is taken with pg_try_advisory_lock.
 */
export class PartitionLeases {
  private readonly retryMs: number;
  private readonly ttlMs: number;
  private readonly log: (message: string) => void;
  private client?: Client;
  private backendPid?: number;
  private heartbeat?: NodeJS.Timeout;
  private lost?: Error;
  private wake?: () => void;
  private mine: number[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly options: PartitionLeasesOptions,
  ) {
    this.retryMs = options.retryMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.log = options.log ?? (() => undefined);
  }

  /** The partitions this process holds now. */
  get held(): readonly number[] {
    return this.mine;
  }

  /**
   * Holds a fair share of the partitions until `signal` aborts, telling `apply` each time the share changes.
   * Returns with every partition handed back and the projector stopped.
   */
  async run(apply: ApplyPartitions, signal: AbortSignal): Promise<void> {
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        try {
          if (this.lost) throw this.lost;
          if (!this.client) await this.join();
          await this.rebalance(apply);
        } catch (err) {
          if (this.mine.length || this.client) this.log(`partition leases: ${(err as Error).message}; projecting nothing until this process holds partitions again`);
          await this.leave(apply);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.retryMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.leave(apply);
    }
  }

  private async join(): Promise<void> {
    const client = new Client({ ...this.pool.options, keepAlive: true });
    this.lost = undefined;
    client.on('error', (err) => this.lose(client, err));
    client.on('end', () => this.lose(client, new Error('the partition leases connection ended')));
    try {
      await client.connect();
      // Ends this session, and so frees every partition it holds, once it has been silent for ttlMs.
      await client.query(`SET idle_session_timeout = ${Math.ceil(this.ttlMs)}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_advisory_lock_shared($1::bigint)', [String(PROJECTOR_MEMBER_KEY)]);
      this.backendPid = rows[0].pid;
    } catch (err) {
      await endQuietly(client);
      throw err;
    }
    this.client = client;
    this.heartbeat = setInterval(() => void this.check(client), Math.min(this.retryMs, this.ttlMs / 4));
    this.heartbeat.unref();
  }

  /** Stops projecting, then ends the session, which frees every lock it holds. */
  private async leave(apply: ApplyPartitions): Promise<void> {
    const client = this.client;
    if (this.mine.length) {
      this.mine = [];
      await apply([]).catch((err: Error) => this.log(`stopping the projector: ${err.message}`));
    }
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await endQuietly(client);
    this.lost = undefined;
  }

  private lose(client: Client, reason: Error): void {
    if (this.client !== client || this.lost) return;
    this.lost = reason;
    this.wake?.();
  }

  private async check(client: Client): Promise<void> {
    try {
      await this.timed(client.query('SELECT 1'));
    } catch (err) {
      this.lose(client, err as Error);
    }
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the partition leases connection did not answer within ${this.ttlMs / 2} ms`)), this.ttlMs / 2);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private async rebalance(apply: ApplyPartitions): Promise<void> {
    const client = this.client!;
    const { partitions } = this.options;
    const { rows } = await this.timed(
      client.query<{ key: string; pid: number }>(
        `SELECT ((l.classid::bigint << 32) | l.objid::bigint)::text AS key, l.pid
           FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND (((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint
              OR ((l.classid::bigint << 32) | l.objid::bigint) BETWEEN $2::bigint AND $2::bigint + $3::int - 1)`,
        [String(PROJECTOR_MEMBER_KEY), String(PARTITION_LEASE_BASE), partitions],
      ),
    );
    const members = new Set(rows.filter((r) => BigInt(r.key) === PROJECTOR_MEMBER_KEY).map((r) => r.pid)).size || 1;
    const taken = new Set(rows.filter((r) => BigInt(r.key) !== PROJECTOR_MEMBER_KEY && r.pid !== this.backendPid).map((r) => Number(BigInt(r.key) - PARTITION_LEASE_BASE)));
    const fair = Math.ceil(partitions / members);
    if (this.mine.length > fair) {
      const keep = this.mine.slice(0, fair);
      const extras = this.mine.slice(fair);
      // The projector lets go of them first, at a batch boundary; only then may another member take them.
      this.mine = keep;
      await apply(keep);
      for (const p of extras) await this.timed(client.query('SELECT pg_advisory_unlock($1::bigint)', [String(partitionLeaseKey(p))]));
      this.log(`handed back partitions ${extras.join(', ')} to the ${members} projector processes' fair share (${fair}); projecting ${describe(keep)}`);
      return;
    }
    const added: number[] = [];
    for (const p of allPartitions(partitions)) {
      if (this.mine.length + added.length >= fair) break;
      if (taken.has(p) || this.mine.includes(p)) continue;
      const { rows: got } = await this.timed(client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [String(partitionLeaseKey(p))]));
      if (got[0].ok) added.push(p);
    }
    if (!added.length) return;
    this.mine = [...this.mine, ...added].sort((a, b) => a - b);
    this.log(`took partitions ${added.join(', ')}; projecting ${describe(this.mine)} of ${partitions} (${members} projector processes)`);
    await apply(this.mine);
  }
}

const describe = (held: readonly number[]) => (held.length ? `partitions ${held.join(', ')}` : 'nothing');

export interface PartitionHolder {
  readonly partition: number;
  /** The holder's backend pid on the PostgreSQL server. */
  readonly pid: number;
  readonly applicationName: string;
  readonly clientAddr: string | null;
}

/** Who holds each partition of `partitions` on the database `db` is connected to (partitions nobody holds are absent). */
export async function partitionHolders(db: Pick<Pool, 'query'>, partitions: number): Promise<PartitionHolder[]> {
  const { rows } = await db.query<{ partition: number; pid: number; application_name: string; client_addr: string | null }>(
    `SELECT (((l.classid::bigint << 32) | l.objid::bigint) - $1::bigint)::int AS partition, a.pid, a.application_name, a.client_addr::text AS client_addr
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) BETWEEN $1::bigint AND $1::bigint + $2::int - 1
      ORDER BY 1`,
    [String(PARTITION_LEASE_BASE), partitions],
  );
  return rows.map((r) => ({ partition: r.partition, pid: r.pid, applicationName: r.application_name, clientAddr: r.client_addr }));
}

/** How many projector processes are members now. */
export async function projectorMembers(db: Pick<Pool, 'query'>): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [String(PROJECTOR_MEMBER_KEY)],
  );
  return rows[0].n;
}
