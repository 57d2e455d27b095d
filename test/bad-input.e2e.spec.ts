import { gzipSync } from 'node:zlib';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * Input a new user sent that answered 500 (or was silently accepted): each is a
 * 4xx naming the problem, on both API families, and nothing of a refused batch
 * is stored.
 */
describe('bad input over HTTP: a 4xx naming the problem, never a 500', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.keyFor(freshWorkspace('bad'));
  });
  afterAll(async () => {
    await t.close();
  });

  const event = (id: string, extra: Record<string, unknown> = {}) => ({
    event_id: id, type: 'TokenUsed', session_id: 'sess_bad', occurred_at: '2026-04-02T12:00:05.100Z', model: 'gpt-4o', input_tokens: 10, ...extra,
  });
  /** Sends `body` byte for byte (supertest would JSON-encode a Buffer). */
  const raw = (path: string, body: string | Buffer, headers: Record<string, string>) =>
    t.http.post(path).set('x-api-key', key).set(headers).serialize((b: unknown) => b as string).send(body as string);
  const rawGet = (path: string, body: string | Buffer, headers: Record<string, string>) =>
    t.http.get(path).set('x-api-key', key).set(headers).serialize((b: unknown) => b as string).send(body as string);
  const v1Error = (code: string, message: string, details?: unknown[]) => ({ success: false, error: { code, message, ...(details ? { details } : {}) } });
  const batch = JSON.stringify({ events: [event('enc1')] });

  describe('the body as bytes', () => {
    it('answers a charset other than UTF-8 with 415 on /v1 and /costs', async () => {
      const v1 = await raw('/v1/events', batch, { 'content-type': 'application/json; charset=latin1' });
      expect([v1.status, v1.body]).toEqual([
        415,
        v1Error('UNSUPPORTED_MEDIA_TYPE', 'unsupported charset "latin1": send JSON in UTF-8 (content-type: application/json)'),
      ]);
      const costs = await rawGet('/costs/summary', batch, { 'content-type': 'application/json; charset=latin1' });
      expect([costs.status, costs.body]).toEqual([
        415,
        { detail: 'unsupported charset "latin1": send JSON in UTF-8 (content-type: application/json)' },
      ]);
    });

    it('answers content-encoding compress with 415, and gzip on a body that is not gzip with 400 (422 on /costs)', async () => {
      const compress = await raw('/v1/events', batch, { 'content-type': 'application/json', 'content-encoding': 'compress' });
      expect([compress.status, compress.body]).toEqual([
        415,
        v1Error('UNSUPPORTED_MEDIA_TYPE', 'unsupported content-encoding "compress": send the body as is, or gzip, deflate or br'),
      ]);
      const notGzip = await raw('/v1/events', batch, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const message = 'the body is not valid gzip data, as its content-encoding says';
      expect([notGzip.status, notGzip.body]).toEqual([400, v1Error('VALIDATION_ERROR', `body: ${message}`, [{ field: 'body', message, location: 'body' }])]);
      const costs = await rawGet('/costs/summary', batch, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect([costs.status, costs.body]).toEqual([422, { detail: [{ loc: ['body', 'body'], msg: `Value error, ${message}`, type: 'value_error' }] }]);
    });

    it('still reads a gzip body that is gzip', async () => {
      const res = await raw('/v1/events', gzipSync(batch), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect([res.status, res.body.data?.accepted]).toEqual([202, 1]);
    });
  });

  describe('strings PostgreSQL cannot store', () => {
    const post = (events: unknown[]) => raw('/v1/events', JSON.stringify({ events }), { 'content-type': 'application/json' });

    it.each([
      ['session_id', { session_id: 'sess\u0000x' }, 'events[1].session_id must not contain a NUL character (U+0000)'],
      ['model', { model: 'gpt\u00004o' }, 'events[1].model must not contain a NUL character (U+0000)'],
      ['execution_id', { execution_id: '\u0000' }, 'events[1].execution_id must not contain a NUL character (U+0000)'],
      ['step_name', { step_name: 'a\u0000' }, 'events[1].step_name must not contain a NUL character (U+0000)'],
      ['a tool_tokens key', { tool_tokens: { 'Re\u0000ad': 5 } }, 'events[1].tool_tokens.Re\u0000ad must not contain a NUL character (U+0000)'],
      ['event_id', { event_id: 'nul\u0000' }, 'events[1].event_id must not contain a NUL character (U+0000)'],
      ['session_id', { session_id: 'sess\ud800' }, 'events[1].session_id must not contain an unpaired UTF-16 surrogate'],
      ['model', { model: '\udc00gpt' }, 'events[1].model must not contain an unpaired UTF-16 surrogate'],
      ['provider', { provider: 'aws\u0000' }, 'events[1].provider must not contain a NUL character (U+0000)'],
    ])('refuses %s holding %j with 400 naming it, storing nothing of the batch', async (_name, extra, message) => {
      const field = message.split(' must ')[0];
      const id = `good_${field.replace(/\W/g, '')}_${message.length}`;
      const refused = await post([event(id), event(`${id}_bad`, extra)]);
      expect([refused.status, refused.body]).toEqual([400, v1Error('VALIDATION_ERROR', `${field}: ${message}`, [{ field, message, location: 'body' }])]);
      const again = await post([event(id)]);
      expect([again.status, again.body.data?.accepted, again.body.data?.duplicates]).toEqual([202, 1, 0]);
    });

    it.each([
      [{ provider: 'x'.repeat(65) }, 'provider must be shorter than or equal to 64 characters'],
      [{ provider: '' }, 'provider must be longer than or equal to 1 characters'],
      [{ provider: 7 }, 'provider must be longer than or equal to 1 and shorter than or equal to 64 characters'],
    ])('refuses a provider %j with 400 naming it, storing nothing of the batch', async (extra, message) => {
      const id = `good_provider_${JSON.stringify(extra).length}`;
      const refused = await post([event(id), event(`${id}_bad`, extra)]);
      expect([refused.status, refused.body.error?.details]).toEqual([400, [{ field: 'provider', index: 1, location: 'body', message }]]);
      const again = await post([event(id)]);
      expect([again.status, again.body.data?.accepted, again.body.data?.duplicates]).toEqual([202, 1, 0]);
    });

    it('keeps a paired surrogate (an emoji) as it is', async () => {
      const res = await post([event('emoji_1', { step_name: 'draft \ud83d\ude00' })]);
      expect([res.status, res.body.data?.accepted]).toEqual([202, 1]);
    });

    it('refuses a NUL in a path or query id on /costs with 422 naming it', async () => {
      const path = await t.http.get('/costs/sessions/%00').set('x-api-key', key);
      expect([path.status, path.body]).toEqual([422, { detail: [{ loc: ['path', 'session_id'], msg: 'Value error, session_id must not contain a NUL character (U+0000)', type: 'value_error' }] }]);
      const execution = await t.http.get('/costs/executions/run%00x').set('x-api-key', key);
      expect([execution.status, execution.body]).toEqual([
        422,
        { detail: [{ loc: ['path', 'execution_id'], msg: 'Value error, execution_id must not contain a NUL character (U+0000)', type: 'value_error' }] },
      ]);
      const query = await t.http.get('/costs/sessions?cursor=%00').set('x-api-key', key);
      expect([query.status, query.body]).toEqual([422, { detail: [{ loc: ['query', 'cursor'], msg: 'Value error, cursor must not contain a NUL character (U+0000)', type: 'value_error' }] }]);
    });

    it('refuses a NUL in a path or query id on /v1 with 400 naming it', async () => {
      const path = await t.http.get('/v1/workflow-runs/%00/cost').set('x-api-key', key);
      const idMessage = 'id must not contain a NUL character (U+0000)';
      expect([path.status, path.body]).toEqual([400, v1Error('VALIDATION_ERROR', `id: ${idMessage}`, [{ field: 'id', message: idMessage, location: 'path' }])]);
      const query = await t.http.get('/v1/cost/summary?workspace_id=a%00').set('x-api-key', key);
      const wsMessage = 'workspace_id must not contain a NUL character (U+0000)';
      expect([query.status, query.body]).toEqual([400, v1Error('VALIDATION_ERROR', `workspace_id: ${wsMessage}`, [{ field: 'workspace_id', message: wsMessage, location: 'query' }])]);
    });

    it('refuses a NUL smuggled inside a paging cursor as a cursor this service did not issue', async () => {
      const forged = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
      const sessions = await t.http.get(`/costs/sessions?cursor=${forged(['2026-04-02T12:00:00.000Z', 'ws', 'sess\u0000'])}`).set('x-api-key', key);
      expect([sessions.status, sessions.body]).toEqual([
        422,
        { detail: [{ loc: ['query', 'cursor'], msg: 'Value error, cursor is not one this service issued; take it from the Link header', type: 'value_error' }] },
      ]);
      await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event('cursor_1', { session_id: 'sess_cur', execution_id: 'run_cur' })] });
      const calls = await t.http.get(`/v1/workflow-runs/run_cur/cost?calls_cursor=${forged(['2026-04-02T12:00:00.000Z', 'e\u0000'])}`).set('x-api-key', key);
      const message = 'calls_cursor is not one this service issued; take it from data.nextCallsCursor';
      expect([calls.status, calls.body]).toEqual([400, v1Error('VALIDATION_ERROR', `calls_cursor: ${message}`, [{ field: 'calls_cursor', location: 'query', message }])]);
    });

    it('refuses a path that is not percent-encoded UTF-8 (an encoded lone surrogate) with a 4xx naming the path', async () => {
      const res = await t.http.get('/costs/sessions/%ED%A0%80').set('x-api-key', key);
      expect([res.status, res.body]).toEqual([
        422,
        { detail: [{ loc: ['path', 'path'], msg: "Value error, path is not valid percent-encoded UTF-8 (Failed to decode param '%ED%A0%80')", type: 'value_error' }] },
      ]);
    });
  });

  describe('impossible calendar dates', () => {
    it.each(['2025-04-31T12:00:00Z', '2025-02-30T00:00:00Z', '2025-02-29T00:00:00.000+02:00', '2026-13-01T00:00:00Z', '2026-06-00T00:00:00Z'])(
      'refuses occurred_at %s with 400 naming it',
      async (at) => {
        const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event(`date_${at}`.replace(/\W/g, ''), { occurred_at: at })] });
        const message = `occurred_at is not a valid date-time: ${at.slice(0, 10)} is not a calendar date`;
        expect([res.status, res.body]).toEqual([
          400,
          v1Error('VALIDATION_ERROR', `events[0].occurred_at: ${message}`, [{ index: 0, field: 'occurred_at', message, location: 'body' }]),
        ]);
      },
    );

    it.each(['0000-06-01T00:00:00Z', '0001-01-01T00:30:00+01:00'])('refuses occurred_at %s, in the year 0 that PostgreSQL does not read, with 400', async (at) => {
      const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event(`year0_${at.length}`, { occurred_at: at })] });
      const message = 'occurred_at must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
      expect([res.status, res.body]).toEqual([
        400,
        v1Error('VALIDATION_ERROR', `events[0].occurred_at: ${message}`, [{ index: 0, field: 'occurred_at', message, location: 'body' }]),
      ]);
    });

    it.each([
      ['from', '0000-01-01T00:00:00Z'],
      ['to', '9999-12-31T23:59:59-01:00'],
    ])('refuses %s=%s, outside the years PostgreSQL reads, with 400', async (param, at) => {
      const res = await t.http.get(`/v1/cost/summary?${param}=${encodeURIComponent(at)}`).set('x-api-key', key);
      const message = `${param} must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z`;
      expect([res.status, res.body]).toEqual([400, v1Error('VALIDATION_ERROR', `${param}: ${message}`, [{ field: param, location: 'query', message }])]);
    });

    it('refuses an impossible or unreadable price date (admin) with 400 naming it', async () => {
      const rates = { input: '1.00', output: '2.00', cache_creation: '1.00', cache_read: '0.10' };
      const put = (path: string, body: object) => t.http.put(path).set('x-api-key', ADMIN_KEY).send(body);
      const from = await put('/v1/pricing/models/bad-date-1', { effective_from: '2025-04-31T00:00:00Z', rates });
      const fromMessage = 'effective_from is not a valid date-time: 2025-04-31 is not a calendar date';
      expect([from.status, from.body]).toEqual([400, v1Error('VALIDATION_ERROR', `effective_from: ${fromMessage}`, [{ field: 'effective_from', message: fromMessage, location: 'body' }])]);
      const to = await put('/v1/pricing/tools/bad-date-2', { effective_from: '2025-01-01T00:00:00Z', effective_to: '9999-12-31T23:00:00-05:00', per_call_usd: '0.01' });
      const toMessage = 'effective_to must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
      expect([to.status, to.body]).toEqual([400, v1Error('VALIDATION_ERROR', `effective_to: ${toMessage}`, [{ field: 'effective_to', message: toMessage, location: 'body' }])]);
      const removed = await t.http.delete('/v1/pricing/models/gpt-4o?effective_from=0000-03-01T00:00:00Z').set('x-api-key', ADMIN_KEY);
      const removeMessage = 'effective_from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
      expect([removed.status, removed.body]).toEqual([
        400,
        v1Error('VALIDATION_ERROR', `effective_from: ${removeMessage}`, [{ field: 'effective_from', message: removeMessage, location: 'query' }]),
      ]);
    });

    it('accepts 29 February of a leap year', async () => {
      const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event('leap_day', { occurred_at: '2024-02-29T23:59:59.999Z' })] });
      expect([res.status, res.body.data?.accepted]).toEqual([202, 1]);
    });

    it.each([
      ['/v1/cost/summary', 'from', '2025-04-31T12:00:00Z'],
      ['/v1/cost/summary', 'to', '2025-02-30T00:00:00Z'],
      ['/v1/cost/timeseries', 'from', '2025-02-29T00:00:00Z'],
      ['/v1/cost/timeseries', 'to', '2025-06-31T00:00:00+02:00'],
    ])('refuses %s?%s=%s with 400 naming it', async (route, param, at) => {
      const other = param === 'from' ? 'to=2025-12-31T00:00:00Z' : 'from=2025-01-01T00:00:00Z';
      const res = await t.http.get(`${route}?${param}=${encodeURIComponent(at)}&${other}`).set('x-api-key', key);
      const message = `${param} is not a valid date-time: ${at.slice(0, 10)} is not a calendar date`;
      expect([res.status, res.body]).toEqual([400, v1Error('VALIDATION_ERROR', `${param}: ${message}`, [{ field: param, location: 'query', message }])]);
    });
  });

  describe('?after= read-your-writes positions', () => {
    const far = `${'9'.repeat(30)}-${'9'.repeat(30)}`;

    it.each(['/costs/summary', '/costs/sessions', '/v1/cost/summary'])(
      'answers a position no append returned (30 digits) on %s at once, flagged stale',
      async (route) => {
        const started = Date.now();
        const res = await t.http.get(`${route}?after=${far}`).set('x-api-key', key);
        expect([res.status, res.headers['ledger-consistency']]).toEqual([200, 'stale']);
        // It held the request for the whole 5 s wait, polling the database 500 times.
        expect(Date.now() - started).toBeLessThan(1000);
      },
    );

    it('still waits for a position an append returned, and answers it consistent', async () => {
      const posted = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event('ryw_1', { session_id: 'sess_ryw' })] });
      expect(posted.status).toBe(202);
      const res = await t.http.get(`/costs/sessions/sess_ryw?after=${posted.body.data.position}`).set('x-api-key', key);
      expect([res.status, res.headers['ledger-consistency'], res.body.session_id]).toEqual([200, 'consistent', 'sess_ryw']);
    });
  });

  describe('the ingest envelope', () => {
    it('refuses an unknown top-level field with 400 naming it, storing nothing', async () => {
      const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event('top_1')], foo: 1 });
      expect([res.status, res.body]).toEqual([
        400,
        v1Error('VALIDATION_ERROR', 'foo: property foo should not exist', [{ field: 'foo', location: 'body', message: 'property foo should not exist' }]),
      ]);
      const again = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [event('top_1')] });
      expect([again.status, again.body.data?.accepted]).toEqual([202, 1]);
    });

    it.each(['constructor', '__proto__', 'hasOwnProperty'])('refuses an event field named %s, as Object.prototype has, with 400 naming it', async (name) => {
      const body = `{"events":[{"${name}":1,"event_id":"proto_1","type":"ToolCalled","session_id":"s","occurred_at":"2026-04-02T11:00:00Z","tool_name":"Bash"}]}`;
      const res = await raw('/v1/events', body, { 'content-type': 'application/json' });
      const message = `property ${name} should not exist`;
      expect([res.status, res.body]).toEqual([
        400,
        v1Error('VALIDATION_ERROR', `events[0].${name}: ${message}`, [{ index: 0, field: name, message, location: 'body' }]),
      ]);
    });

    it('sends no X-Powered-By', async () => {
      for (const res of [await t.http.get('/health'), await t.http.get('/costs/summary').set('x-api-key', key), await t.http.get('/nowhere')]) {
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });
  });
});
