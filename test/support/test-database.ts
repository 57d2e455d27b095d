import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { ensureReadModel } from '../../libs/projections/src/read-model.schema';
import { TEMPLATE_DB, withDatabase } from './global-setup';

export interface TestDatabase {
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.LEDGER_TEST_SERVER_URL;
  if (!url) throw new Error('LEDGER_TEST_SERVER_URL is unset: run the specs through jest.config.js (its globalSetup starts PostgreSQL)');
  return url;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database cloned from the run's template: one per spec file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ledger_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  const url = withDatabase(serverUrl(), name);
  const pool = new Pool({ connectionString: url, max: 10 });
  // Specs end sessions on purpose (terminated leases, killed processes); an idle
  // connection ending is not a failure of the spec that happens to be running.
  pool.on('error', () => undefined);
  // As every process of the service does at start-up: the migrations leave the read model to the projections.
  await ensureReadModel(pool);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
