import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { requestType } from '@ledger/otlp';
import type { OtlpSignal } from '@ledger/otlp';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';

/** OTLP/JSON writes these bytes fields in hex; protobufjs's `fromObject` reads bytes as base64 or bytes. */
const HEX_IDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function hexIdsToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBytes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, HEX_IDS.has(key) && typeof v === 'string' ? Buffer.from(v, 'hex') : hexIdsToBytes(v)]),
  );
}

/**
 * The protobuf encoding of an OTLP/JSON request (hex ids, 64-bit integers as strings), through protobufjs's own
 * `fromObject` and the receiver's descriptor: not the receiver's JSON reader, so the two encodings are checked
 * against each other rather than against one piece of code.
 */
export function otlpProtobuf(signal: OtlpSignal, jsonRequest: unknown): Buffer {
  const type = requestType(signal);
  return Buffer.from(type.encode(type.fromObject(hexIdsToBytes(jsonRequest) as Record<string, unknown>)).finish());
}

export interface PostOtlpOptions {
  readonly encoding: 'json' | 'protobuf';
  readonly key?: string;
  /** How the key is sent: OTEL_EXPORTER_OTLP_HEADERS allows either. */
  readonly auth?: 'x-api-key' | 'bearer';
  readonly gzip?: boolean;
}

/** Posts an OTLP/JSON request to `/otlp/v1/<signal>` as JSON or as protobuf, bytes as given; protobuf answers are kept as a Buffer. */
export function postOtlp(http: TestAgent, signal: OtlpSignal, jsonRequest: unknown, options: PostOtlpOptions): Promise<Response> {
  const raw = options.encoding === 'json' ? Buffer.from(JSON.stringify(jsonRequest)) : otlpProtobuf(signal, jsonRequest);
  return postOtlpBytes(http, signal, options.gzip ? gzipSync(raw) : raw, {
    'content-type': options.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
    ...(options.key ? (options.auth === 'bearer' ? { authorization: `Bearer ${options.key}` } : { 'x-api-key': options.key }) : {}),
  });
}

/** Posts bytes as they are; a protobuf (or any non-JSON) answer's body is its bytes. */
export function postOtlpBytes(http: TestAgent, signal: OtlpSignal | string, body: Buffer | string, headers: Record<string, string>): Promise<Response> {
  return http
    .post(`/otlp/v1/${signal}`)
    .set(headers)
    .serialize((b: unknown) => b as string)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const json = /application\/json/.test(String(res.headers['content-type']));
        done(null, json && bytes.length ? JSON.parse(bytes.toString('utf8')) : bytes);
      });
    })
    .send(body as string);
}

/** A golden OTLP fixture (test/otlp/fixtures/<source>/<name>.json). */
export interface OtlpFixture {
  readonly file: string;
  readonly description: string;
  readonly signal: 'logs' | 'traces';
  readonly request: Record<string, unknown>;
  readonly events: readonly Record<string, unknown>[];
  readonly rejected: number;
  readonly sessions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Every fixture under `dir`, by path. */
export function otlpFixtures(dir: string): OtlpFixture[] {
  const files: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const full = path.join(at, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) files.push(full);
    }
  };
  walk(dir);
  return files.map((file) => ({ file: path.relative(dir, file), ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<OtlpFixture, 'file'>) }));
}
