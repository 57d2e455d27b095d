import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@ledger/config';
import { buildOpenApi } from '@ledger/http';
import { ADMIN_KEY, createTestDatabase, TestDatabase } from '@ledger/testing';
import { AppModule } from '../../../apps/ledger/src/app.module';
import { configureApp } from '../../../apps/ledger/src/configure-app';
import { conformanceProblems, recordResponses, RecordedResponse } from '../../support/openapi-conformance';

/** The whole service listening on a real port of 127.0.0.1, for a browser: the e2e specs' test app, with the dashboard's build chosen. */
export interface DashboardService {
  readonly app: INestApplication;
  readonly db: TestDatabase;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Calls the API as a client would (fetch), JSON in and out. */
  api(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  keyFor(workspaceId: string): Promise<string>;
  /** Stops the service and drops its database; fails on any API response the OpenAPI document does not describe. */
  close(): Promise<void>;
}

export async function startDashboardService(options: { dashboardDir: string; env?: Record<string, string> }): Promise<DashboardService> {
  const db = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: db.url, LEDGER_ADMIN_KEY: ADMIN_KEY, LEDGER_PROJECTOR_BATCH: '500', LOG_LEVEL: 'warn', ...options.env });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, databaseUrl: db.url, adminKey: ADMIN_KEY, dashboardDir: options.dashboardDir })],
  }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error', 'warn'] });
  const responses: RecordedResponse[] = [];
  app.use(recordResponses(responses));
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const api: DashboardService['api'] = async (method, path, key, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  return {
    app,
    db,
    url,
    api,
    keyFor: async (workspaceId) => {
      const res = await api('POST', '/v1/admin/api-keys', ADMIN_KEY, { workspace_id: workspaceId, name: 'dashboard spec' });
      if (res.status !== 201) throw new Error(`issuing a key failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data.key as string;
    },
    close: async () => {
      // The dashboard's own files are not API routes.
      const api = responses.filter((r) => !['/', '/index.html', '/assets/*file'].includes(r.route));
      const problems = conformanceProblems(buildOpenApi(app) as unknown as Record<string, unknown>, api);
      await app.close();
      await db.drop();
      if (problems.length) throw new Error(`responses that do not match the OpenAPI document:\n${problems.join('\n')}`);
    },
  };
}
