import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '@ledger/database';
import { isRunning } from '../../libs/database/src/processes';
import { freePort, LedgerProcess, startLedgerProcess } from './support/ledger-process';
import { PostedBatch, startIngestLoad, storedOf, summary } from './support/ingest-load';

const ADMIN_KEY = 'lifecycle-admin-key-0123456789';
const STARTUP_MS = 90_000;

async function issueKey(ledger: LedgerProcess, workspaceId: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ledger.port}/v1/admin/api-keys`, {
    method: 'POST',
    headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ workspace_id: workspaceId, name: 'lifecycle' }),
  });
  if (res.status !== 201) throw new Error(`issuing a key failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { key: string } }).data.key;
}

/** The embedded server of a data directory, from the postmaster.pid PostgreSQL writes (pid on line 1, port on line 4). */
function postmasterOf(dataDir: string): { pid: number; port: number } {
  const lines = readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

async function connect(url: string): Promise<Client> {
  const db = new Client({ connectionString: url });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}

/** `waiting`, failing with what the ledger printed. */
function watching<T>(ledger: LedgerProcess, waiting: Promise<T>): Promise<T> {
  return waiting.catch((err: Error) => {
    throw new Error(`${err.message}\n${ledger.output()}`);
  });
}

/** Every batch that got a 202 is in the log of the database at `url`, and no batch is there in part. */
async function expectStoredWhole(url: string, batches: readonly PostedBatch[]): Promise<void> {
  const db = await connect(url);
  try {
    const stored = await storedOf(db, batches);
    const accepted = batches.filter((b) => b.status === 202);
    expect(accepted.filter((b) => stored.get(b) !== 'whole')).toEqual([]);
    expect(batches.filter((b) => stored.get(b) === 'partial')).toEqual([]);
  } finally {
    await db.end();
  }
}

/**
 * The embedded mode (no DATABASE_URL), one data directory through a life: SIGTERM under load, a
 * second instance refused, kill -9 of the service and a restart, kill -9 of its PostgreSQL under
 * load, and SIGINT. Each step runs on what the one before left.
 */
describe('the service process on the embedded PostgreSQL', () => {
  let dataDir: string;
  const running: LedgerProcess[] = [];
  const accepted: PostedBatch[] = [];
  const start = async (name: string, options: { processGroup?: boolean } = {}) => {
    const ledger = await startLedgerProcess(name, { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_KEY: ADMIN_KEY, LEDGER_PROJECTOR_BATCH: '200' }, options);
    running.push(ledger);
    return ledger;
  };
  const embeddedUrl = () => `postgresql://postgres:ledger@127.0.0.1:${postmasterOf(dataDir).port}/postgres`;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ledger-lifecycle-'));
    // As root the server runs as `postgres`, which must reach the cluster inside.
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    // A server a failed step left behind.
    if (existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))) {
      const { pid } = postmasterOf(dataDir);
      if (isRunning(pid)) process.kill(pid, 'SIGINT');
      for (let i = 0; i < 100 && isRunning(pid); i++) await sleep(50);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM under ingest load, drains, stops its PostgreSQL and exits 0, with every accepted batch stored whole', async () => {
    const ledger = await start('ledger-1');
    await ledger.waitHealthy(STARTUP_MS);
    const load = startIngestLoad(ledger.port, await issueKey(ledger, 'ws_term'), 'term');
    await watching(ledger, load.waitFor(202, 20, 30_000));
    const server = postmasterOf(dataDir);

    const signalledAt = Date.now();
    ledger.kill('SIGTERM');
    const code = await ledger.exited;
    const stoppedIn = Date.now() - signalledAt;
    const batches = await load.stop();

    expect({ code, output: code === 0 ? '' : ledger.output() }).toEqual({ code: 0, output: '' });
    expect(stoppedIn).toBeLessThan(10_000);
    expect(ledger.output()).toContain(`Cost Ledger (all) listening on http://127.0.0.1:${ledger.port}`);
    expect(ledger.output()).toMatch(/SIGTERM: stopping[\s\S]*database system is shut down[\s\S]*\bstopped\b/);
    expect(isRunning(server.pid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    // Answered in full, or not at all once the server stopped listening: never a 5xx.
    expect(Object.keys(summary(batches)).filter((s) => s !== '202' && s !== '0')).toEqual([]);
    accepted.push(...batches);
  }, 120_000);

  it('restarts on the same directory with every accepted event projected, and refuses a second live instance naming the first', async () => {
    const ledger = await start('ledger-2');
    await ledger.waitHealthy(STARTUP_MS);
    const second = await start('ledger-2b');
    await expectStoredWhole(embeddedUrl(), accepted);
    const db = await connect(embeddedUrl());
    try {
      // The read model holds exactly what the log holds: no batch of the projector was cut in half.
      const counts = async () =>
        (
          await db.query<{ logged: number; projected: number }>(
            `SELECT (SELECT count(*) FROM event_log WHERE data->>'workspace_id' = 'ws_term')::int AS logged,
                    (SELECT count(*) FROM read_model.cost_facts WHERE workspace_id = 'ws_term')::int AS projected`,
          )
        ).rows[0];
      let seen = await counts();
      for (const deadline = Date.now() + 20_000; seen.projected !== seen.logged && Date.now() < deadline; await sleep(100)) seen = await counts();
      expect(seen.projected).toBe(seen.logged);
      expect(seen.logged).toBeGreaterThanOrEqual(accepted.filter((b) => b.status === 202).length * 10);
    } finally {
      await db.end();
    }

    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`LEDGER_DATA_DIR ${dataDir} is in use by another Cost Ledger (pid ${ledger.pid}`);
    await ledger.waitHealthy(1000);
  }, 120_000);

  it('after kill -9 of the service, which leaves its PostgreSQL running, starts again on the directory and keeps the data', async () => {
    const killed = running.find((p) => p.name === 'ledger-2')!;
    const load = startIngestLoad(killed.port, await issueKey(killed, 'ws_kill'), 'kill');
    await watching(killed, load.waitFor(202, 10, 30_000));
    const orphan = postmasterOf(dataDir);
    killed.kill('SIGKILL');
    await killed.exited;
    accepted.push(...(await load.stop()));
    expect(isRunning(orphan.pid)).toBe(true);

    // In a process group of its own, as in a terminal, so that the SIGINT below reaches the group.
    const ledger = await start('ledger-3', { processGroup: true });
    await ledger.waitHealthy(STARTUP_MS);
    expect(ledger.output()).toContain(`stopping PostgreSQL (pid ${orphan.pid}), left running on ${path.join(dataDir, 'postgres')}`);
    expect(isRunning(orphan.pid)).toBe(false);
    await expectStoredWhole(embeddedUrl(), accepted);
  }, 120_000);

  it('when its PostgreSQL is killed under load, answers 503 UNAVAILABLE, restarts it and carries on; then Ctrl-C (SIGINT to its process group) stops it cleanly', async () => {
    const ledger = running.find((p) => p.name === 'ledger-3')!;
    const load = startIngestLoad(ledger.port, await issueKey(ledger, 'ws_dbkill'), 'dbkill');
    await watching(ledger, load.waitFor(202, 10, 30_000));
    const killedServer = postmasterOf(dataDir);
    process.kill(killedServer.pid, 'SIGKILL');
    await watching(ledger, load.waitFor(503, 1, 10_000));
    await watching(ledger, load.waitFor(202, 10, 30_000));
    const afterRecovery = postmasterOf(dataDir);

    // Ctrl-C: the terminal signals the whole foreground group. The server runs in a session of its
    // own, so it keeps serving the requests in flight until the ledger stops it.
    ledger.killGroup('SIGINT');
    expect(await ledger.exited).toBe(0);
    const batches = await load.stop();
    // Once, for the SIGKILL: the Ctrl-C did not reach the server.
    expect(ledger.output().match(/PostgreSQL exited unexpectedly/g)).toEqual(['PostgreSQL exited unexpectedly']);
    expect(ledger.output()).toContain('PostgreSQL exited unexpectedly (SIGKILL); starting it again');
    expect(ledger.output()).toMatch(/SIGINT: stopping[\s\S]*\bstopped\b/);
    expect(afterRecovery.pid).not.toBe(killedServer.pid);
    expect(isRunning(afterRecovery.pid)).toBe(false);
    const failures = batches.filter((b) => b.status !== 202 && b.status !== 0);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.filter((b) => b.status !== 503 || b.code !== 'UNAVAILABLE' || b.retryAfter !== '2')).toEqual([]);
    accepted.push(...batches);

    // The cluster it left, opened on its own.
    const cluster = await startEmbeddedPostgres({ dir: path.join(dataDir, 'postgres') });
    try {
      await expectStoredWhole(cluster.url, accepted);
    } finally {
      await cluster.stop();
    }
  }, 150_000);
});

/**
 * An external DATABASE_URL: a PostgreSQL this spec runs, kills with SIGKILL under load, and starts
 * again on the same port. The ledger must stay up, answer 503 meanwhile, and recover by itself.
 */
describe('the service process on an external PostgreSQL that goes away', () => {
  let dir: string;
  let server: EmbeddedDatabase | undefined;
  let ledger: LedgerProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ledger-external-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await ledger?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stays up, answers 503 UNAVAILABLE while the database is down, and recovers when it is back; a stop that hangs is cut at the timeout', async () => {
    const port = await freePort();
    server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port });
    ledger = await startLedgerProcess('ledger-external', {
      DATABASE_URL: server.url, LEDGER_ADMIN_KEY: ADMIN_KEY, LEDGER_PROJECTOR_BATCH: '200', LEDGER_SHUTDOWN_TIMEOUT_MS: '1500',
    });
    await ledger.waitHealthy(STARTUP_MS);
    const load = startIngestLoad(ledger.port, await issueKey(ledger, 'ws_external'), 'external');
    await watching(ledger, load.waitFor(202, 10, 30_000));

    process.kill(server.pid, 'SIGKILL');
    await watching(ledger, load.waitFor(503, 20, 10_000));
    const down = server;
    server = undefined;
    await down.stop();
    // Until the killed server's backends have exited, its shared memory refuses a new one.
    for (let attempt = 1; !server; attempt++) {
      server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port }).catch(async (err: Error) => {
        if (attempt >= 20) throw err;
        await sleep(250);
        return undefined;
      });
    }
    await watching(ledger, load.waitFor(202, 20, 30_000));
    const batches = await load.stop();

    await ledger.waitHealthy(1000);
    const failures = batches.filter((b) => b.status !== 202);
    expect(failures.filter((b) => b.status !== 503 || b.code !== 'UNAVAILABLE' || b.retryAfter !== '2')).toEqual([]);
    await expectStoredWhole(server.url, batches);

    // A request whose body never ends holds the drain: the shutdown gives up at LEDGER_SHUTDOWN_TIMEOUT_MS.
    const stalled = createConnection(ledger.port, '127.0.0.1');
    stalled.on('error', () => undefined);
    stalled.write('POST /v1/events HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"events":');
    await sleep(300);
    const signalledAt = Date.now();
    ledger.kill('SIGTERM');
    expect(await ledger.exited).toBe(1);
    stalled.destroy();
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1500);
    expect(ledger.output()).toContain('did not stop within 1500 ms (LEDGER_SHUTDOWN_TIMEOUT_MS): exiting with work undone');
  }, 150_000);

  it('reports PostgreSQL\'s own message when the server cannot start', async () => {
    await server?.stop();
    server = undefined;
    await appendFile(path.join(dir, 'pg', 'postgresql.conf'), '\nno_such_setting = 1\n');
    await expect(startEmbeddedPostgres({ dir: path.join(dir, 'pg') })).rejects.toThrow(/unrecognized configuration parameter "no_such_setting"/);
  });
});
