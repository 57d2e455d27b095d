import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';

/**
 * `npm run ledger -- rebuild [--reason "..."] [--from-log]`: queues a full blue/green rebuild
 * on a running service (from the read model's facts, or with --from-log a replay of the event
 * log) and follows it with a live progress bar.
 * Talks to LEDGER_URL (default http://localhost:$PORT) with LEDGER_ADMIN_KEY, or
 * the key the embedded mode generated under LEDGER_DATA_DIR.
 */
async function adminKey(): Promise<string> {
  if (process.env.LEDGER_ADMIN_KEY) return process.env.LEDGER_ADMIN_KEY;
  const file = path.join(process.env.LEDGER_DATA_DIR ?? './.ledger', 'admin-key');
  return (await readFile(file, 'utf8').catch(() => {
    throw new Error(`no admin key: set LEDGER_ADMIN_KEY, or run from the directory whose ${file} the service wrote`);
  })).trim();
}

async function call(base: string, key: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { success: boolean; data: never; error?: { message: string } };
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${json.error?.message ?? ''}`);
  return json.data;
}

async function rebuild(args: string[]): Promise<void> {
  const base = process.env.LEDGER_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const key = await adminKey();
  const reasonAt = args.indexOf('--reason');
  const reason = reasonAt >= 0 ? args[reasonAt + 1] : 'requested from the command line';
  const source = args.includes('--from-log') ? 'log' : 'facts';
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

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { rebuild };
if (!commands[command]) {
  console.error('usage: npm run ledger -- rebuild [--reason "why"] [--from-log]');
  process.exit(2);
}
commands[command](rest).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
