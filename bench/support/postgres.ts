import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/database/src/embedded-postgres';

export interface BenchPostgres {
  /** The server's URL (database `postgres`). */
  readonly url: string;
  readonly version: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  query<T extends object = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * One embedded PostgreSQL for the whole run, started with the service's own
 * helper (same flags as production embedded mode), in a throw-away directory.
 * Ours and every peer get their own database on it, so they share one server,
 * one disk and one configuration.
 */
export async function startBenchPostgres(statements?: { readonly slowerThanMs: number; readonly logFile: string; readonly explain?: boolean }): Promise<BenchPostgres> {
  const dir = path.join(tmpdir(), `cost-ledger-bench-${process.pid}`);
  // The server's own log, only when statements are timed: which statement of a phase takes its time (ADR 0021).
  if (statements) mkdirSync(path.dirname(statements.logFile), { recursive: true });
  const log = statements && ((line: string) => appendFileSync(statements.logFile, `${line}\n`));
  const db = await startEmbeddedPostgres({ dir, persistent: false, log });
  const run = async <T extends object>(url: string, sql: string, params?: unknown[]): Promise<T[]> => {
    const c = new Client({ connectionString: url });
    // A server shutting down must fail the query, not crash the bench with an unhandled 'error' event.
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query<T & object>(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const [{ server_version }] = await run<{ server_version: string }>(db.url, 'SHOW server_version');
  if (statements) {
    await run(db.url, `ALTER SYSTEM SET log_min_duration_statement = ${Math.floor(statements.slowerThanMs)}`);
    // A live batch carries its events as a JSON parameter: logging it would be most of the log.
    await run(db.url, 'ALTER SYSTEM SET log_parameter_max_length = 0');
    if (statements.explain) {
      // The plans of the same statements with their timings and buffers, nested statements included (issue 17's profile).
      for (const setting of [
        `session_preload_libraries = 'auto_explain'`,
        `auto_explain.log_min_duration = ${Math.floor(statements.slowerThanMs)}`,
        'auto_explain.log_analyze = on',
        'auto_explain.log_buffers = on',
        'auto_explain.log_nested_statements = on',
        'auto_explain.log_parameter_max_length = 0',
      ])
        await run(db.url, `ALTER SYSTEM SET ${setting}`);
    }
    await run(db.url, 'SELECT pg_reload_conf()');
  }
  return {
    url: db.url,
    version: server_version,
    createDatabase: async (name) => {
      await run(db.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await run(db.url, `CREATE DATABASE ${name}`);
      return withDatabase(db.url, name);
    },
    query: (database, sql, params) => run(withDatabase(db.url, database), sql, params),
    stop: () => db.stop(),
  };
}
