import { createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import type { Response } from 'express';
import type { ProjectionHealth, ProjectionWatermark } from '@ledger/projections';
import { HealthController } from './health.controller';

/** Readiness when the database is not there: a refused connection, and a server that accepts and never answers. */
describe('GET /health/ready without a database', () => {
  const sockets = new Set<Socket>();
  let silent: Server;
  beforeAll(async () => {
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  const ready = async (url: string) => {
    const pool = new Pool({ connectionString: url });
    pool.on('error', () => undefined);
    let status = 200;
    const res = { status: (code: number) => ((status = code), res) } as unknown as Response;
    // Neither is asked: without a database readiness stops at the first check.
    const controller = new HealthController({} as ProjectionWatermark, {} as ProjectionHealth, pool);
    const body = await controller.ready(res);
    void pool.end().catch(() => undefined);
    return { status, body };
  };

  it('answers 503 naming a refused connection', async () => {
    const { status, body } = await ready('postgres://ledger@127.0.0.1:1/ledger');
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'not_ready',
      reasons: [expect.stringMatching(/^the database is unreachable: connect ECONNREFUSED 127\.0\.0\.1:1$/)],
      checks: { database: { ok: false, latency_ms: null, error: 'connect ECONNREFUSED 127.0.0.1:1' }, migrations: null, projector: null },
    });
  });

  it('answers 503 within about a second when the database does not answer', async () => {
    const started = Date.now();
    const { port } = silent.address() as { port: number };
    const { status, body } = await ready(`postgres://ledger@127.0.0.1:${port}/ledger`);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(status).toBe(503);
    expect(body.reasons).toEqual(['the database is unreachable: no answer within 1000 ms']);
  });
});
