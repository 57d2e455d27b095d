import type { Logger } from '@nestjs/common';
import { ConflictError, RateLimitedError, respond, UnavailableError } from '@ledger/http';
import type { Request, Response } from 'express';
import { OTLP_ROOT } from './otlp-codec';

const RPC_STATUS = OTLP_ROOT.lookupType('google.rpc.Status');

/** What `respond` did to a response, captured. */
function answer(err: unknown, contentType: string) {
  const sent: { status?: number; headers: Record<string, string>; type?: string; body?: unknown } = { headers: {} };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    status: (code: number) => ((sent.status = code), res),
    type: (type: string) => ((sent.type = type), res),
    send: (body: unknown) => ((sent.body = body), res),
    json: (body: unknown) => ((sent.type = 'application/json'), (sent.body = body), res),
  };
  const req = { method: 'POST', path: '/otlp/v1/logs', headers: { 'content-type': contentType } };
  respond(err, req as unknown as Request, res as unknown as Response, { error: () => undefined } as unknown as Logger);
  return sent;
}

const decoded = (body: unknown) => RPC_STATUS.toObject(RPC_STATUS.decode(body as Buffer), { defaults: true });

describe('errors on /otlp: a google.rpc.Status in the request\'s encoding', () => {
  it('answers a lost database with 503 and Retry-After, which exporters retry', () => {
    const sent = answer(new UnavailableError('the database is unreachable; retry shortly'), 'application/x-protobuf');
    expect([sent.status, sent.headers, sent.type]).toEqual([503, { 'Retry-After': '2' }, 'application/x-protobuf']);
    expect(decoded(sent.body)).toEqual({ code: 14, message: 'the database is unreachable; retry shortly', details: [] });
  });

  it('answers a spent rate limit with 429 and its Retry-After, in JSON to a JSON request', () => {
    const sent = answer(new RateLimitedError(7), 'application/json');
    expect([sent.status, sent.headers, sent.type, sent.body]).toEqual([
      429,
      { 'Retry-After': '7' },
      'application/json',
      { code: 8, message: 'rate limit exceeded for this API key; retry after 7 s' },
    ]);
  });

  it('never shows what an unknown error was', () => {
    const sent = answer(new Error('secret stack'), 'application/x-protobuf; charset=binary');
    expect([sent.status, decoded(sent.body)]).toEqual([500, { code: 13, message: 'internal error', details: [] }]);
  });

  it('gives other kinds a code too', () => {
    expect(answer(new ConflictError('clash'), 'text/plain').body).toEqual({ code: 10, message: 'clash' });
  });
});
