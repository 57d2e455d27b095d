import { existsSync } from 'node:fs';
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
  catalog import [FILE]
                 Compare a catalog file with the service's catalog and print the diff
                 (rows added, changed with old → new rates, removed) and what it would
                 restate per workspace (before, after, delta), changing nothing.
                 FILE defaults to the snapshot shipped with this version
                 (libs/pricing/catalog/genai-prices.snapshot.json).
    --apply          Record the file as one catalog version and follow the rebuild
                     that restates the costs (needs --reason).
    --reason "why"   Recorded with the new catalog version.
    --json           Print the service's whole answer as JSON instead.
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
  let json: { success: boolean; data: never; error?: { message: string; details?: { field?: string; message?: string }[] } };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${base}${route}: ${res.status}, and not a ledger answer: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    // A refused catalog file can have many problems: the message names three, the details all of them.
    const details = (json.error?.details ?? []).filter((d) => d.field && d.message).map((d) => `\n  ${d.field}: ${d.message}`);
    throw new Error(`${method} ${route}: ${res.status} ${json.error?.message ?? ''}${details.length > 1 ? details.join('') : ''}`);
  }
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
  await followRebuild(base, key, id);
  console.log('rebuild done: the restated read model is live');
}

/** Shows a rebuild's progress (on stderr, when it is a terminal) until it is done; throws when it failed. */
async function followRebuild(base: string, key: string, id: number): Promise<void> {
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
}

const SNAPSHOT = 'libs/pricing/catalog/genai-prices.snapshot.json';

/**
 * The snapshot shipped with this version: from the sources (apps/ledger/src) or the build (dist/apps/ledger/src,
 * which holds a copy only if the service imports it), the repository root is three or four levels up.
 */
function shippedSnapshot(): string {
  const up3 = path.resolve(__dirname, '../../..');
  const root = path.basename(up3) === 'dist' ? path.dirname(up3) : up3;
  const candidates = [path.join(root, SNAPSHOT), path.join(up3, SNAPSHOT)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`no catalog snapshot is shipped at ${candidates[0]}: name a FILE`);
  return found;
}

type Rates = Record<string, string>;
interface Row {
  model: string;
  effective_from: string;
  effective_to?: string | null;
  rates: Rates;
  tiers?: { above_prompt_tokens: number; rates: Rates }[];
}
interface WorkspaceLine {
  workspace_id: string;
  events: number;
  before_usd: string;
  after_usd: string;
  delta_usd: string;
  unpriced_before: number;
  unpriced_after: number;
}
interface ImportAnswer {
  catalog_version: number;
  current_source: { name: string; version: string; catalog_sha256: string; catalog_version: number } | null;
  file: { source: { name: string; version: string; sha256: string }; sha256: string; providers: number; rows: number; not_imported: number };
  diff: {
    added: Row[];
    changed: { before: Row; after: Row; differences: { field: string; before?: string; after?: string }[] }[];
    removed: Row[];
    providers: { added: string[]; removed: string[]; changed: string[]; reordered: boolean };
  };
  preview: { affected: { events: number }; totals: { before_usd: string; after_usd: string; delta_usd: string }; workspaces: WorkspaceLine[] };
  applied: { recorded: boolean; catalog_version: number; rebuild: { state: string; id?: number } } | null;
}

const LISTED = 50;
const short = (sha: string) => `${sha.slice(0, 12)}…`;
const ratesText = (r: Row) =>
  Object.entries(r.rates).map(([k, v]) => `${k} ${v}`).join(', ') + (r.tiers?.length ? ` (+${r.tiers.length} long-context tier${r.tiers.length > 1 ? 's' : ''})` : '');
const rowName = (r: Row) => `${r.model} from ${r.effective_from}${r.effective_to ? ` to ${r.effective_to}` : ''}`;

/** The answer for people: what the file is, what it changes, and what that restates. */
function importReport(a: ImportAnswer): string {
  const { diff, preview } = a;
  const lines = [
    `catalog file: ${a.file.source.name} ${a.file.source.version} (source sha256 ${short(a.file.source.sha256)}), file sha256 ${short(a.file.sha256)}`,
    `  ${a.file.providers} providers, ${a.file.rows} price rows, ${a.file.not_imported} entries in its conversion report (not_imported: models left unpriced, or priced without some rates)`,
    `catalog: version ${a.catalog_version}, ` +
      (a.current_source
        ? `last imported ${a.current_source.name} ${a.current_source.version} (file sha256 ${short(a.current_source.catalog_sha256)}) at version ${a.current_source.catalog_version}`
        : 'no catalog file imported yet'),
    `diff: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed; ` +
      `providers: ${diff.providers.added.length} added, ${diff.providers.removed.length} removed, ${diff.providers.changed.length} changed` +
      (diff.providers.reordered ? ', reordered' : ''),
  ];
  // A first import adds a thousand rows: the report shows enough to read, --json has them all.
  const section = (title: string, items: string[]) => {
    if (!items.length) return;
    lines.push('', `${title}:`, ...items.slice(0, LISTED).map((i) => `  ${i}`));
    if (items.length > LISTED) lines.push(`  … and ${items.length - LISTED} more (--json lists them all)`);
  };
  section('added', diff.added.map((r) => `${rowName(r)}: ${ratesText(r)}`));
  section('changed', diff.changed.map((c) => `${rowName(c.after)}: ${c.differences.map((d) => `${d.field} ${d.before ?? '(none)'} → ${d.after ?? '(none)'}`).join(', ')}`));
  section('removed', diff.removed.map((r) => `${rowName(r)}: ${ratesText(r)}`));
  for (const kind of ['added', 'removed', 'changed'] as const) section(`providers ${kind}`, diff.providers[kind]);
  lines.push('', `restatement preview: ${preview.affected.events} recorded events in scope`);
  if (preview.workspaces.length) {
    const table = [
      ['workspace', 'events', 'before_usd', 'after_usd', 'delta_usd', 'unpriced'],
      ...preview.workspaces.map((w) => [w.workspace_id, String(w.events), w.before_usd, w.after_usd, w.delta_usd, `${w.unpriced_before} → ${w.unpriced_after}`]),
      ['total', String(preview.workspaces.reduce((n, w) => n + w.events, 0)), preview.totals.before_usd, preview.totals.after_usd, preview.totals.delta_usd, ''],
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) lines.push(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

async function catalog(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'import') throw new UsageError(sub ? `unknown catalog command ${JSON.stringify(sub)}` : 'name a catalog command: import');
  const { values, positionals } = parseCommand(rest, { apply: { type: 'boolean' }, reason: { type: 'string' }, json: { type: 'boolean' } }, 1);
  if (values.apply && !values.reason) throw new UsageError('--apply needs --reason "why": it is recorded with the new catalog version');
  const file = positionals[0] ?? shippedSnapshot();
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the catalog file ${file}: ${err.code ?? err.message}`);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const base = serviceUrl();
  const key = await adminKey();
  const body = { catalog: parsed, ...(values.apply ? { apply: true, reason: values.reason } : values.reason ? { reason: values.reason } : {}) };
  const answer = (await call(base, key, 'POST', '/v1/pricing/catalog/import', body)) as ImportAnswer;
  if (values.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  else process.stdout.write(importReport(answer));
  const applied = answer.applied;
  if (!applied) {
    if (!values.json) console.log('\ndry run: nothing changed. Record it with --apply --reason "why".');
    return;
  }
  // With --json, stdout holds the answer alone.
  const say = (line: string): void => {
    if (values.json) process.stderr.write(`${line}\n`);
    else console.log(line);
  };
  if (!values.json) console.log();
  if (!applied.recorded) return say('nothing to record: the catalog already prices exactly this file');
  say(`recorded as catalog version ${applied.catalog_version}`);
  if (applied.rebuild.state === 'not_needed') return say('no recorded usage to restate');
  if (applied.rebuild.state === 'disabled') {
    return say('automatic rebuilds are off (LEDGER_AUTO_REBUILD=false): restate with npm run ledger -- rebuild');
  }
  say(`rebuild ${applied.rebuild.id} queued`);
  await followRebuild(base, key, applied.rebuild.id!);
  say('rebuild done: the restated read model is live');
}

/** A command's options, strictly: a misspelt option is a usage error, not silently ignored. */
function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) throw new Error(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`);
    return parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const commands: Record<string, (args: string[]) => Promise<void>> = { rebuild, catalog };
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
