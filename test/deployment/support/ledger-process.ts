import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const REGISTER = path.join(__dirname, 'register-typescript.cjs');
const MAIN = path.join(ROOT, 'apps/ledger/src/main.ts');
const OUTPUT_LINES = 1000;

/** The service as a real OS process, started from the TypeScript sources (no build needed). */
export interface LedgerProcess {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<number | string>;
  /** The last lines it printed, for failure messages. */
  output(): string;
  /** Resolves once `GET /health` answers 200; rejects if the process exits or `timeoutMs` passes. */
  waitHealthy(timeoutMs: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Signals its whole process group, as a terminal's Ctrl-C does (started with `processGroup` only). */
  killGroup(signal: NodeJS.Signals): void;
  /** SIGKILL unless it has exited, then waits for the exit. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  await once(srv, 'close');
  return port;
}

/**
 * Starts `node apps/ledger/src/main.ts` with only the given variables (plus PATH and
 * a free PORT), so that nothing from the test runner's environment leaks in. With
 * `processGroup` it leads a process group of its own, as a command in a terminal does.
 */
export async function startLedgerProcess(name: string, env: Record<string, string>, { processGroup = false } = {}): Promise<LedgerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['-r', REGISTER, MAIN], {
    cwd: ROOT,
    detached: processGroup,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}`));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve((exitedWith = code ?? signal ?? 'unknown'))),
  );
  const output = () => lines.join('\n');

  return {
    name,
    port,
    pid: child.pid!,
    exited,
    output,
    async waitHealthy(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitedWith !== undefined) throw new Error(`${name} exited (${exitedWith}) before it was healthy:\n${output()}`);
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${name} was not healthy within ${timeoutMs} ms:\n${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill(signal) {
      child.kill(signal);
    },
    killGroup(signal) {
      if (!processGroup) throw new Error(`${name} was not started as a process group`);
      process.kill(-child.pid!, signal);
    },
    async stop() {
      if (exitedWith === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * A projector process on `databaseUrl`, every connection of it tagged with its name (`application_name`), so
 * that pg_stat_activity and the lease holders tell the processes apart.
 */
export function startProjector(name: string, databaseUrl: string, env: Record<string, string>): Promise<LedgerProcess> {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return startLedgerProcess(name, { LEDGER_ROLE: 'projector', DATABASE_URL: url.toString(), ...env });
}

/** Reads every 50 ms until `ok`; past `timeoutMs` fails with the last value read and the processes' output. */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
  procs: readonly LedgerProcess[],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms\n${procs.map((p) => p.output()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
