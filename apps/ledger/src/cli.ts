import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';

/**
 * `npm run ledger -- <command>`: operator commands against a running service, over its
 * admin API. Talks to LEDGER_URL (default http://localhost:$PORT) with LEDGER_ADMIN_KEY,
 * or the key the embedded mode generated under LEDGER_DATA_DIR.
 */
const HELP = `Cost Ledger command line: operator commands against a running ledger service.

Usage: npm run ledger -- <command> [options]

Commands:
  rebuild        Queue a full blue/green rebuild of the cost read model and follow its
                 progress (restating every cost from the recorded facts).
    --reason "why"   Recorded with the rebuild (default: "requested from the command line").
    --from-log       Replay the event log instead, to repair a read model you do not trust.
  help           Print this help (also --help, -h).

Environment:
  LEDGER_URL        The service (default http://localhost:$PORT, PORT defaulting to 3000).
  LEDGER_ADMIN_KEY  The admin key (default: the one the embedded mode wrote to
                    $LEDGER_DATA_DIR/admin-key, LEDGER_DATA_DIR defaulting to ./.ledger).
`;

/** A mistake in the command line itself: answered with the help and exit code 2. */
class UsageError extends Error {}

async function adminKey(): Promise<string> {
  if (process.env.LEDGER_ADMIN_KEY) return process.env.LEDGER_ADMIN_KEY;
  const file = path.join(process.env.LEDGER_DATA_DIR ?? './.ledger', 'admin-key');
  return (await readFile(file, 'utf8').catch(() => {
    throw new Error(`no admin key: set LEDGER_ADMIN_KEY, or run from the directory whose ${file} the service wrote`);
  })).trim();
}

function serviceUrl(): string {
  const base = process.env.LEDGER_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  if (!URL.canParse(base)) throw new Error(`LEDGER_URL must be a URL such as http://localhost:3000, not ${JSON.stringify(base)}`);
  return base.replace(/\/+$/, '');
}

/** fetch reports an unreachable server as `fetch failed`, with the reason (ECONNREFUSED, ENOTFOUND, …) in its cause. */
function unreachable(base: string, err: unknown): Error {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new Error(`the ledger service at ${base} is not reachable (${why}): start it with npm start, or set LEDGER_URL to where it listens`);
}

async function call(base: string, key: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((err: unknown) => {
    throw unreachable(base, err);
  });
  const text = await res.text();
  let json: { success: boolean; data: never; error?: { message: string } };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${base}${route}: ${res.status}, and not a ledger answer: ${text.slice(0, 200)}`);
  }
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${json.error?.message ?? ''}`);
  return json.data;
}

async function rebuild(args: string[]): Promise<void> {
  const { values } = parseCommand(args, { reason: { type: 'string' }, 'from-log': { type: 'boolean' } });
  const base = serviceUrl();
  const key = await adminKey();
  const reason = values.reason ?? 'requested from the command line';
  const source = values['from-log'] ? 'log' : 'facts';
  const { rebuild_id: id } = await call(base, key, 'POST', '/v1/admin/projections/rebuild', { reason, source });
  console.log(`rebuild ${id} queued`);
  const bar = new SingleBar({ format: 'rebuild {bar} {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_s}s | {state}' }, Presets.shades_classic);
  bar.start(1, 0, { rate: 0, eta_s: '?', state: 'pending' });
  for (;;) {
    const [status] = (await call(base, key, 'GET', '/v1/admin/projections')) as { rebuild: { id: number; state: string; done: number; total: number | null; rate_per_s: number | null; eta_s: number | null; merged_into: number | null; error: string | null } | null }[];
    const r = status.rebuild;
    if (r && r.id >= id) {
      bar.setTotal(Math.max(r.total ?? 1, r.done, 1));
      bar.update(r.done, { rate: r.rate_per_s ?? 0, eta_s: r.eta_s ?? '?', state: r.state });
      if (r.state === 'done') break;
      if (r.state === 'failed') {
        bar.stop();
        throw new Error(`rebuild ${r.id} failed: ${r.error}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  bar.stop();
  console.log('rebuild done: the restated read model is live');
}

/** A command's options, strictly: a misspelt option is a usage error, not silently ignored. */
function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const commands: Record<string, (args: string[]) => Promise<void>> = { rebuild };
  if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  if (!command) throw new UsageError('name a command');
  if (!Object.hasOwn(commands, command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  await commands[command](rest);
}

run(process.argv.slice(2)).catch((err: Error) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  console.error(err.message);
  process.exit(1);
});
