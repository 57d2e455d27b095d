import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool } from 'pg';

/** Advisory-lock key of the coordinator's lease: its holder runs rebuilds and the initial load (ADR 0026; partitions have leases of their own). 7231001 is the migration lock. */
export const PROJECTOR_LEASE_KEY = 7231002n;

export interface ProjectorLeaseOptions {
  /** Advisory-lock key. Advisory locks are per database, so this is one lease per key and database. */
  readonly key?: bigint | number;
  /** How often a standby tries to take the lease; the holder checks its session at least this often. */
  readonly retryMs?: number;
  /**
   * How long a holder may go unheard before it loses the lease. PostgreSQL ends the
   * holder's session after this much silence (`idle_session_timeout`), which frees the
   * lock for a standby; the holder itself gives up when a check takes half of it.
   */
  readonly ttlMs?: number;
  readonly log?: (message: string) => void;
}

/** What runs only while the lease is held: the live projector. */
export interface LeasedWork {
  start(): void;
  stop(): Promise<void>;
}

export interface LeaseHolder {
  /** The holder's backend pid on the PostgreSQL server, not an OS pid of the ledger. */
  readonly pid: number;
  readonly applicationName: string;
  readonly clientAddr: string | null;
}

/**
 * The right to run the live projector: a session-level advisory lock, held on a
 * connection of its own rather than a pool's, so nothing else can release it by
 * returning a connection. PostgreSQL drops the lock when that session ends, so when
 * the holder dies a standby's next try succeeds. A holder whose connection errors,
 * ends or stops answering has lost the lease and must stop projecting.
 */
export class ProjectorLease {
  private readonly key: string;
  private readonly retryMs: number;
  private readonly ttlMs: number;
  private readonly log: (message: string) => void;
  private client?: Client;
  private heartbeat?: NodeJS.Timeout;
  private checking = false;
  private readonly lostListeners = new Set<(reason: Error) => void>();

  constructor(
    private readonly pool: Pool,
    options: ProjectorLeaseOptions = {},
  ) {
    this.key = String(options.key ?? PROJECTOR_LEASE_KEY);
    this.retryMs = options.retryMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.log = options.log ?? (() => undefined);
  }

  get held(): boolean {
    return this.client !== undefined;
  }

  /** Calls `listener` each time a held lease is lost (not on `release`). Returns an unsubscribe. */
  onLost(listener: (reason: Error) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Resolves once the lease is held, trying every `retryMs`. Rejects only when `signal` aborts. */
  async acquire(signal?: AbortSignal): Promise<void> {
    let candidate: Client | undefined;
    let waiting = false;
    // Every wait gives way to the signal, whatever pg does with a connection ended mid-connect.
    const step = <T>(p: Promise<T>) => (signal ? abortable(p, signal) : p);
    try {
      while (!this.client) {
        signal?.throwIfAborted();
        try {
          if (!candidate) {
            candidate = this.connection();
            await step(candidate.connect());
            // Ends this session, and so frees the lock, once it has been silent for ttlMs:
            // a holder that hangs or is cut off gives the lease up without anyone's help.
            await step(candidate.query(`SET idle_session_timeout = ${Math.ceil(this.ttlMs)}`));
          }
          const { rows } = await step(
            candidate.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [this.key]),
          );
          if (rows[0].ok) {
            this.hold(candidate);
            candidate = undefined;
            this.log('holding the coordinator lease: this instance runs rebuilds and the initial load');
            return;
          }
          if (!waiting) this.log('another instance holds the coordinator lease: it runs rebuilds');
          waiting = true;
        } catch (err) {
          signal?.throwIfAborted();
          this.log(`projector lease: ${(err as Error).message}; trying again in ${this.retryMs} ms`);
          void endQuietly(candidate);
          candidate = undefined;
        }
        await sleep(this.retryMs, undefined, { signal });
      }
    } finally {
      // On abort this also frees the lock if the try had taken it.
      void endQuietly(candidate);
    }
  }

  /** Gives the lease up: ending the session frees the lock at once. */
  async release(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.drop();
    await endQuietly(client);
  }

  /**
   * Keeps `work` running exactly while this instance holds the lease: acquire, start,
   * and on loss stop and queue again. Returns once `signal` aborts, with the work
   * stopped and the lease released.
   */
  async runWhileHeld(work: LeasedWork, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.acquire(signal);
      } catch (err) {
        if (signal.aborted) break;
        throw err;
      }
      try {
        work.start();
      } catch (err) {
        // Holding the lease while doing nothing would keep every standby out.
        this.log(`could not start under the projector lease, giving it up: ${(err as Error).message}`);
        await this.release();
        await sleep(this.retryMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          off();
          signal.removeEventListener('abort', done);
          resolve();
        };
        const off = this.onLost(done);
        signal.addEventListener('abort', done, { once: true });
        if (signal.aborted || !this.held) done();
      });
      await work.stop().catch((err: Error) => this.log(`stopping after the projector lease failed: ${err.message}`));
    }
    await this.release();
  }

  private connection(): Client {
    const client = new Client({ ...this.pool.options, keepAlive: true });
    // Before the lock is held a broken connection surfaces through the next query.
    client.on('error', (err) => this.lose(client, err));
    client.on('end', () => this.lose(client, new Error('the lease connection ended')));
    return client;
  }

  private hold(client: Client): void {
    this.client = client;
    this.heartbeat = setInterval(() => void this.check(client), Math.min(this.retryMs, this.ttlMs / 4));
    this.heartbeat.unref();
  }

  /** A round trip on the lease's session; it also keeps the session from counting as idle. */
  private async check(client: Client): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the lease connection did not answer within ${this.ttlMs / 2} ms`)), this.ttlMs / 2);
        }),
      ]);
    } catch (err) {
      this.lose(client, err as Error);
    } finally {
      clearTimeout(timer);
      this.checking = false;
    }
  }

  private lose(client: Client, reason: Error): void {
    if (this.client !== client) return;
    this.drop();
    void endQuietly(client);
    this.log(`lost the projector lease: ${reason.message}`);
    for (const listener of [...this.lostListeners]) {
      try {
        listener(reason);
      } catch (err) {
        this.log(`a projector lease listener failed: ${(err as Error).message}`);
      }
    }
  }

  private drop(): void {
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', abort);
        reject(err);
      },
    );
  });
}

const ending = new WeakMap<Client, Promise<void>>();

/** Ends a connection once, however often it is asked to, and never waits long for a dead one. */
export function endQuietly(client: Client | undefined): Promise<void> {
  if (!client) return Promise.resolve();
  let ended = ending.get(client);
  if (!ended) {
    ended = Promise.race([client.end().catch(() => undefined), sleep(1000, undefined, { ref: false })]);
    ending.set(client, ended);
  }
  return ended;
}

/** Who holds the lease on the database `db` is connected to, if anyone. */
export async function findLeaseHolder(db: Pick<Pool, 'query'>, key: bigint | number = PROJECTOR_LEASE_KEY): Promise<LeaseHolder | undefined> {
  // A bigint advisory key shows in pg_locks as its high half (classid) and low half (objid), objsubid 1.
  const { rows } = await db.query<{ pid: number; application_name: string; client_addr: string | null }>(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [String(key)],
  );
  return rows[0] && { pid: rows[0].pid, applicationName: rows[0].application_name, clientAddr: rows[0].client_addr };
}
