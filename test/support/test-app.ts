import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@ledger/config';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { startEsdbTestServer } from '../../libs/event-store/testing/esdb-test-server';
import { AppModule } from '../../apps/ledger/src/app.module';
import { configureApp } from '../../apps/ledger/src/configure-app';
import { createTestDatabase, TestDatabase } from './test-database';
import { buildOpenApi } from '@ledger/http';
import { conformanceProblems, recordResponses, RecordedResponse } from './openapi-conformance';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestApp {
  readonly app: INestApplication;
  readonly db: TestDatabase;
  readonly http: TestAgent;
  /** Issues a key for a workspace through the admin API. */
  keyFor(workspaceId: string): Promise<string>;
  /** Stops the app, fails on any response the OpenAPI document does not describe, and drops the database unless kept. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export type TestEventStore = 'postgres' | 'esdb';

/**
 * The whole service on a fresh database, spoken to over real HTTP. With `esdb`
 * the event store is EventStoreDB through the real client, against the
 * in-process test double. Given a `database` (one a closed app kept), the
 * service starts on it as a restarted process would.
 */
export async function startTestApp(env: Record<string, string> = {}, eventStore: TestEventStore = 'postgres', database?: TestDatabase): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const esdb = eventStore === 'esdb' ? await startEsdbTestServer() : undefined;
  const config = loadConfig({
    DATABASE_URL: db.url,
    LEDGER_ADMIN_KEY: ADMIN_KEY,
    LEDGER_PROJECTOR_BATCH: '500',
    // Request lines would bury the test output; a spec that reads them sets its own level.
    LOG_LEVEL: 'warn',
    ...(esdb ? { EVENTSTORE_CONNECTION_STRING: esdb.connectionString } : {}),
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, databaseUrl: db.url, adminKey: ADMIN_KEY })],
  }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error', 'warn'] });
  // Every response the suite sees is checked against the OpenAPI document when it closes.
  const responses: RecordedResponse[] = [];
  app.use(recordResponses(responses));
  configureApp(app);
  await app.init();
  const http = request(app.getHttpServer());
  return {
    app,
    db,
    http,
    keyFor: async (workspaceId) => {
      const res = await http.post('/v1/admin/api-keys').set('x-api-key', ADMIN_KEY).send({ workspace_id: workspaceId, name: 'test' });
      if (res.status !== 201) throw new Error(`issuing a key failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data.key as string;
    },
    close: async (options = {}) => {
      const problems = conformanceProblems(buildOpenApi(app) as unknown as Record<string, unknown>, responses);
      await app.close();
      await esdb?.stop();
      if (!options.keepDatabase) await db.drop();
      if (problems.length) throw new Error(`responses that do not match the OpenAPI document:\n${problems.join('\n')}`);
    },
  };
}

let counter = 0;
/** A workspace id no other test uses. */
export const freshWorkspace = (label = 'ws') => `${label}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
