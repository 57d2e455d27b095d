import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { LedgerProcess, startLedgerProcess } from './support/ledger-process';

const ADMIN_KEY = 'logs-admin-key-0123456789abcdef';
const WS = 'ws_logs';
const ESC = '\u001b';
/** Node's own warnings go to stderr in its format: they are not the service's log. */
const NODE_WARNING = /^\((node:\d+|Use `node)/;

/**
 * The real service as a child process whose stdout is a pipe, as under a supervisor or with
 * `> file`: every line is one JSON object, without colour codes or keys, and each request is
 * one line with its id, route template, status, duration and workspace.
 */
describe('structured logs of the service process', () => {
  let db: TestDatabase;
  let proc: LedgerProcess;
  const url = (path: string) => `http://127.0.0.1:${proc.port}${path}`;
  const logLines = () =>
    proc
      .output()
      .split('\n')
      .map((l) => l.slice(`[${proc.name}] `.length))
      .filter((l) => !NODE_WARNING.test(l));
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`${what} not logged:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const parse = (line: string) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    // NO_COLOR unset: a pipe alone must turn colours off.
    proc = await startLedgerProcess('logs', { DATABASE_URL: db.url, LEDGER_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'info', NO_COLOR: '' });
    await proc.waitHealthy(40_000);
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    await db?.drop();
  });

  it('writes one JSON line per request, and Nest\'s own logs as JSON, with no colour and no key', async () => {
    const issued = await fetch(url('/v1/admin/api-keys'), {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ workspace_id: WS, name: 'logs' }),
    });
    const key = ((await issued.json()) as { data: { key: string } }).data.key;
    const posted = await fetch(url('/v1/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'logs-spec-post' },
      body: JSON.stringify({
        events: [{ event_id: 'l1', type: 'TokenUsed', session_id: 's1', occurred_at: '2026-04-02T12:00:00Z', model: 'gpt-4o', input_tokens: 5, output_tokens: 1 }],
      }),
    });
    expect(posted.status).toBe(202);
    expect(posted.headers.get('x-request-id')).toBe('logs-spec-post');
    const { position } = ((await posted.json()) as { data: { position: string } }).data;
    const read = await fetch(url(`/costs/sessions/s1?after=${position}`), { headers: { 'x-api-key': key, 'x-request-id': 'logs-spec-read' } });
    expect(read.status).toBe(200);
    const refused = await fetch(url('/costs/sessions/s1'), { headers: { 'x-request-id': 'logs-spec-401' } });
    expect(refused.status).toBe(401);
    const generated = (await fetch(url('/costs/no/such/route'), { headers: { 'x-api-key': key } })).headers.get('x-request-id');

    await until('the last request', () => logLines().some((l) => l.includes(generated!)));
    const lines = logLines();
    const text = lines.join('\n');
    expect(text).not.toContain(ESC);
    expect(text).not.toContain(ADMIN_KEY);
    expect(text).not.toContain(key);
    const parsed = lines.map(parse);
    const request = (id: string) => {
      const found = parsed.filter((l) => l.request_id === id);
      expect(found).toHaveLength(1);
      const { time, pid, hostname, duration_ms, ...rest } = found[0];
      expect([typeof time, typeof pid, typeof hostname, typeof duration_ms]).toEqual(['string', 'number', 'string', 'number']);
      return rest;
    };
    expect(request('logs-spec-post')).toEqual({
      level: 'info', request_id: 'logs-spec-post', method: 'POST', route: '/v1/events', url: '/v1/events', status: 202, workspace: WS, msg: 'request completed',
    });
    expect(request('logs-spec-read')).toEqual({
      level: 'info', request_id: 'logs-spec-read', method: 'GET', route: '/costs/sessions/:session_id', url: `/costs/sessions/s1?after=${position}`, status: 200, workspace: WS,
      msg: 'request completed',
    });
    expect(request('logs-spec-401')).toEqual({
      level: 'info', request_id: 'logs-spec-401', method: 'GET', route: '/costs/sessions/:session_id', url: '/costs/sessions/s1', status: 401,
      msg: 'request completed',
    });
    // No route ran, so no guard either: an unmatched request has no workspace.
    expect(request(generated!)).toEqual({ level: 'info', request_id: generated, method: 'GET', route: 'unmatched', url: '/costs/no/such/route', status: 404, msg: 'request completed' });
    // The health probes that waited for start-up are below LOG_LEVEL=info.
    expect(parsed.filter((l) => l.route === '/health')).toEqual([]);
    expect(parsed.find((l) => l.context === 'CostLedger' && String(l.msg).includes('listening on'))).toMatchObject({ level: 'info' });
  });

  it('logs a 500 at error, and the stack names the request it answered', async () => {
    // An unknown key is looked up in a table that has gone: a 500 with nothing else disturbed.
    await db.pool.query('ALTER TABLE api_keys RENAME TO api_keys_gone');
    try {
      const res = await fetch(url('/costs/summary'), { headers: { 'x-api-key': 'clk_never-issued', 'x-request-id': 'logs-spec-500' } });
      expect(res.status).toBe(500);
    } finally {
      await db.pool.query('ALTER TABLE api_keys_gone RENAME TO api_keys');
    }
    await until('the 500', () => logLines().some((l) => l.includes('"request_id":"logs-spec-500"')));
    const parsed = logLines().map(parse);
    expect(parsed.find((l) => l.request_id === 'logs-spec-500')).toMatchObject({ level: 'error', route: '/costs/summary', status: 500, msg: 'request failed' });
    const stack = parsed.find((l) => l.context === 'Errors');
    expect(String(stack?.msg).split('\n')[0]).toBe('GET /costs/summary (request logs-spec-500): error: relation "api_keys" does not exist');
    expect(stack?.level).toBe('error');
  });
});
