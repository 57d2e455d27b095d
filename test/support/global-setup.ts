import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase, startEmbeddedPostgres } from '../../libs/database/src';

export const TEMPLATE_DB = 'ledger_test_template';

/**
 * Starts one PostgreSQL for the whole run (embedded, unless DATABASE_URL names a
 * server) and migrates a template database that every spec file clones.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // One cluster per run: concurrent runs on one machine must not share a data directory.
    const dir = path.join(tmpdir(), `ledger-test-pg-${process.pid}`);
    await rm(dir, { recursive: true, force: true });
    const db = await startEmbeddedPostgres({ dir, persistent: false });
    (globalThis as { __LEDGER_PG__?: unknown }).__LEDGER_PG__ = db;
    serverUrl = db.url;
  }
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const ds = await openDatabase(withDatabase(serverUrl, TEMPLATE_DB), 2);
  await ds.destroy();
  process.env.LEDGER_TEST_SERVER_URL = serverUrl;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
