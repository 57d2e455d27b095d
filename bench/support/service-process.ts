import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { now } from './stats';

/** The repository root: the nearest folder above this file with a package.json. */
export const REPO_ROOT = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
})();
/** The service compiled beside this bench (dist/bench/support/ → dist/apps/ledger/src/main.js). */
const MAIN = path.resolve(__dirname, '../../apps/ledger/src/main.js');
/** The start-up line, in the JSON log or a plain one: the URL ends at a quote or a space. */
const LISTENING = /listening on (http:\/\/[^\s"]+)/;

export type LedgerRole = 'api' | 'projector' | 'all';

/** USER_HZ: Linux reports a process's CPU time in 1/100 s on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Server-error lines kept per service: enough for the stacks of the first few dozen 5xx. */
const SERVER_ERROR_LINES = 2000;

/**
 * Whether a service log line reports a server error: Nest's `ERROR` lines (the
 * exception filter logs every 5xx with its stack), and JSON lines at level error
 * or above, or for a response with a 5xx status.
 */
export function isServerErrorLine(text: string): boolean {
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { level?: unknown; status?: unknown; statusCode?: unknown; res?: { statusCode?: unknown } };
      const status = Number(j.res?.statusCode ?? j.statusCode ?? j.status);
      return (typeof j.level === 'number' ? j.level >= 50 : j.level === 'error' || j.level === 'fatal') || status >= 500;
    } catch {
      return false;
    }
  }
  return /\b(ERROR|FATAL)\b/.test(text);
}

export interface ServiceOptions {
  readonly databaseUrl: string;
  readonly adminKey: string;
  readonly role: LedgerRole;
  readonly logFile: string;
  /** Set: write a V8 CPU profile of the service to this directory when it stops. */
  readonly cpuProfileDir?: string;
  readonly env?: Record<string, string>;
  /** Another build's entry point and the folder it runs from (the live phase's baseline commit); default: this checkout's. */
  readonly main?: string;
  readonly cwd?: string;
}

/**
 * The real service binary (`node dist/apps/ledger/src/main.js`) as a child
 * process, so that the bench measures what operators run, and its peak RSS is
 * its own, not the bench's.
 */
export class ServiceProcess {
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly role: LedgerRole,
    private readonly lines: LineWatch,
    /** hrtime of the spawn. */
    readonly startedAt: bigint,
    private readonly errors: ServerErrorLog,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    await mkdir(path.dirname(options.logFile), { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const nodeArgs = options.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=ledger-${options.role}-${Date.now()}.cpuprofile`]
      : [];
    const startedAt = now();
    const child = spawn(process.execPath, [...nodeArgs, options.main ?? MAIN], {
      cwd: options.cwd ?? REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        DATABASE_URL: options.databaseUrl,
        LEDGER_ADMIN_KEY: options.adminKey,
        LEDGER_ROLE: options.role,
        // An ephemeral port: several benches (or a dev server) may run on this machine.
        PORT: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const errors = new ServerErrorLog();
    const lines = new LineWatch(child.stdout!, (text) => errors.push(text));
    new LineWatch(child.stderr!, (text) => errors.push(text));
    const url = await Promise.race([
      lines.waitFor(LISTENING, 60_000).then((l) => LISTENING.exec(l.text)![1]),
      new Promise<never>((_, reject) =>
        child.once('exit', (code) => reject(new Error(`service (${options.role}) exited with ${code} before listening; see ${options.logFile}`))),
      ),
    ]).catch((err: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${err.message}; see ${options.logFile}`);
    });
    return new ServiceProcess(child, url.replace('[::]', '127.0.0.1').replace('localhost', '127.0.0.1'), options.role, lines, startedAt, errors);
  }

  /** When the service first printed a line matching `pattern` (hrtime). */
  async lineSeen(pattern: RegExp, timeoutMs = 60_000): Promise<bigint> {
    return (await this.lines.waitFor(pattern, timeoutMs)).at;
  }

  /** What the service logged about server errors so far (with their stacks), oldest first. */
  serverErrorLines(): readonly string[] {
    return this.errors.lines;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Peak resident set size so far, in kB (VmHWM), or undefined where /proc is missing. */
  peakRssKb(): number | undefined {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** CPU seconds the process used so far (user + system), or undefined where /proc is missing. */
  cpuSeconds(): number | undefined {
    try {
      // Fields after the command name, which may hold spaces: state is the 3rd field, utime and stime the 14th and 15th.
      const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return undefined;
    }
  }

  /** SIGTERM (a graceful close, which also writes a CPU profile), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Timestamps each line a stream prints, so a phase can time from a log line it waits for. */
class LineWatch {
  private readonly seen: { at: bigint; text: string }[] = [];
  private readonly waiters: { pattern: RegExp; resolve: (l: { at: bigint; text: string }) => void }[] = [];
  private partial = '';

  constructor(
    stream: NodeJS.ReadableStream,
    private readonly onLine?: (text: string) => void,
  ) {
    stream.on('data', (chunk: Buffer) => {
      const at = now();
      const parts = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      for (const text of parts) {
        this.onLine?.(text);
        this.push({ at, text });
      }
    });
  }

  private push(line: { at: bigint; text: string }): void {
    this.seen.push(line);
    if (this.seen.length > 500) this.seen.shift();
    for (const w of [...this.waiters]) {
      if (w.pattern.test(line.text)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  waitFor(pattern: RegExp, timeoutMs: number): Promise<{ at: bigint; text: string }> {
    const hit = this.seen.find((l) => pattern.test(l.text));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }
}

/** The error lines of a service's log, each followed by its indented continuation (a stack). */
class ServerErrorLog {
  readonly lines: string[] = [];
  private inError = false;

  push(text: string): void {
    if (this.lines.length >= SERVER_ERROR_LINES) return;
    if (isServerErrorLine(text)) this.inError = true;
    else if (!/^\s/.test(text)) this.inError = false;
    if (this.inError) this.lines.push(text);
  }
}
