import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { respond } from './exception.filter';
import { jsonBody, JsonBodyLimit } from './json-body';

interface Answer {
  status: number;
  body: { success?: boolean; error?: { code: string; message: string } } | undefined;
  parsed?: unknown;
}

/**
 * A request through the real body parser, then the ledger's error handler, as
 * configure-app wires them. `feed` writes the body (or misbehaves as a client would).
 */
function send(headers: Record<string, string>, feed: (req: PassThrough) => void, limit = '1kb', path = '/v1/events'): Promise<Answer> {
  const req = Object.assign(new PassThrough(), { headers, method: 'POST', url: path, path }) as unknown as Request & PassThrough;
  return new Promise((resolve) => {
    const answer: Answer = { status: 200, body: undefined };
    const res = {
      headersSent: false,
      status(code: number) {
        answer.status = code;
        return this;
      },
      json(body: Answer['body']) {
        answer.body = body;
        resolve(answer);
        return this;
      },
    } as unknown as Response;
    jsonBody(limit)(req, res, (err?: unknown) => {
      if (err) respond(err, req, res, new Logger('test'));
      else resolve({ ...answer, parsed: req.body });
    });
    feed(req);
  });
}

const json = (text: string | Buffer) => (req: PassThrough) => req.end(text);
const error = (a: Answer) => ({ status: a.status, code: a.body?.error?.code, message: a.body?.error?.message });

describe('jsonBody with the exception filter: every client error of the body parser is a 4xx naming the problem', () => {
  it('reads UTF-8 JSON, plain or gzip', async () => {
    expect((await send({ 'content-type': 'application/json', 'content-length': '7' }, json('{"a":1}'))).parsed).toEqual({ a: 1 });
    const gz = gzipSync('{"a":2}');
    expect((await send({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' }, json(gz))).parsed).toEqual({ a: 2 });
  });

  it('charset.unsupported: 415', async () => {
    const a = await send({ 'content-type': 'application/json; charset=latin1', 'content-length': '7' }, json('{"a":1}'));
    expect(error(a)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported charset "latin1": send JSON in UTF-8 (content-type: application/json)' });
  });

  it('encoding.unsupported: 415', async () => {
    const a = await send({ 'content-type': 'application/json', 'content-encoding': 'compress', 'content-length': '7' }, json('{"a":1}'));
    expect(error(a)).toEqual({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'unsupported content-encoding "compress": send the body as is, or gzip, deflate or br',
    });
  });

  it('a gzip body that is not gzip: 400', async () => {
    const a = await send({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': '7' }, json('{"a":1}'));
    expect(error(a)).toEqual({ status: 400, code: 'VALIDATION_ERROR', message: 'body: the body is not valid gzip data, as its content-encoding says' });
  });

  it('entity.parse.failed: 400', async () => {
    expect(error(await send({ 'content-type': 'application/json', 'content-length': '3' }, json('{a}')))).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'body: malformed JSON',
    });
  });

  it('entity.too.large: 413', async () => {
    const big = `{"a":"${'x'.repeat(2000)}"}`;
    expect(error(await send({ 'content-type': 'application/json', 'content-length': String(big.length) }, json(big)))).toEqual({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'request body exceeds the 1 MiB limit',
    });
  });

  it('a route given a larger limit takes a larger body, names its own limit past it, and no other route gets it', async () => {
    JsonBodyLimit('post', '/v1/catalog-like/', '3kb')({}, 'route', {});
    const body = (n: number) => `{"a":"${'x'.repeat(n)}"}`;
    const at = (path: string, text: string) => send({ 'content-type': 'application/json', 'content-length': String(text.length) }, json(text), '1kb', path);
    expect((await at('/v1/catalog-like', body(2000))).parsed).toEqual({ a: 'x'.repeat(2000) });
    expect((await at('/V1/Catalog-Like/', body(2000))).parsed).toEqual({ a: 'x'.repeat(2000) });
    expect(error(await at('/v1/catalog-like', body(4000)))).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: "request body exceeds this route's 3kb limit" });
    expect(error(await at('/v1/catalog-like/other', body(2000)))).toMatchObject({ status: 413, message: 'request body exceeds the 1 MiB limit' });
  });

  it('request.size.invalid: 400', async () => {
    expect(error(await send({ 'content-type': 'application/json', 'content-length': '50' }, json('{"a":1}')))).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'body: the body is not as long as content-length says',
    });
  });

  it('request.aborted: 400', async () => {
    const a = await send({ 'content-type': 'application/json', 'content-length': '50' }, (req) => {
      req.write('{"a":');
      setTimeout(() => {
        req.emit('aborted');
        req.end();
      }, 50);
    });
    expect(error(a)).toEqual({ status: 400, code: 'VALIDATION_ERROR', message: 'body: the request was aborted before its body was complete' });
  });

  it('a NUL or an unpaired surrogate anywhere in the body: 400 naming where', async () => {
    const body = '{"events":[{"session_id":"a\\u0000b","tool_tokens":{"R\\ud800":1}},{"model":"\\udc00x","ok":"\\ud83d\\ude00"}]}';
    const a = await send({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, json(body));
    expect(error(a)).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
      message:
        'events[0].session_id: events[0].session_id must not contain a NUL character (U+0000); ' +
        'events[0].tool_tokens.R\ud800: events[0].tool_tokens.R\ud800 must not contain an unpaired UTF-16 surrogate; ' +
        'events[1].model: events[1].model must not contain an unpaired UTF-16 surrogate',
    });
  });
});
