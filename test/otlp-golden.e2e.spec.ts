import path from 'node:path';
import { decodeOtlp, normalizeRecords, responseType } from '@ledger/otlp';
import { freshWorkspace, otlpFixtures, otlpProtobuf, postOtlp, startTestApp, TestApp } from '@ledger/testing';
import type { OtlpFixture } from '@ledger/testing';

/**
 * Every golden fixture (test/otlp/fixtures/<source>/<name>.json): its request normalizes to exactly its events
 * in either encoding, and posted over HTTP as JSON and as protobuf (each to a fresh workspace) it is answered
 * with its rejected count and leaves its sessions with exactly its figures.
 */
const FIXTURES = otlpFixtures(path.join(__dirname, 'otlp/fixtures'));
/** How long the projection may take to show a session; polled, not slept. */
const PROJECTION_DEADLINE_MS = 15_000;

const withoutIds = (fixture: OtlpFixture, encoding: 'json' | 'protobuf') => {
  const body = encoding === 'json' ? Buffer.from(JSON.stringify(fixture.request)) : otlpProtobuf(fixture.signal, fixture.request);
  return normalizeRecords(decodeOtlp(fixture.signal, encoding, body));
};

/** `partialSuccess`'s rejected count of a 200, in either encoding (0 when absent). */
function rejectedIn(fixture: OtlpFixture, encoding: 'json' | 'protobuf', body: unknown): number {
  const field = fixture.signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
  if (encoding === 'json') return Number((body as { partialSuccess?: Record<string, string> }).partialSuccess?.[field] ?? 0);
  const type = responseType(fixture.signal);
  const decoded = type.toObject(type.decode(body as Buffer), { longs: Number }) as { partialSuccess?: Record<string, number> };
  return decoded.partialSuccess?.[field] ?? 0;
}

describe('golden OTLP fixtures', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds fixtures to run (an empty folder must not pass for green)', () => {
    expect(FIXTURES.length).toBeGreaterThan(0);
  });

  describe.each(FIXTURES.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    it('normalizes to its events, in record order, with the same ids from JSON and from protobuf', () => {
      const fromJson = withoutIds(fixture, 'json');
      const fromProtobuf = withoutIds(fixture, 'protobuf');
      expect(fromJson.events.map(({ event: { event_id: _id, ...fields } }) => fields)).toEqual(fixture.events);
      expect(fromProtobuf.events.map((e) => e.event.event_id)).toEqual(fromJson.events.map((e) => e.event.event_id));
    });

    it.each(['json', 'protobuf'] as const)('over HTTP as %s: answers its rejected count and leaves its sessions with its figures', async (encoding) => {
      const key = await t.keyFor(freshWorkspace('golden'));
      const res = await postOtlp(t.http, fixture.signal, fixture.request, { encoding, key });
      expect(res.status).toBe(200);
      expect(rejectedIn(fixture, encoding, res.body)).toBe(fixture.rejected);
      for (const [sessionId, expected] of Object.entries(fixture.sessions)) {
        const fields = Object.keys(expected);
        const shown = async () => {
          const session = await t.http.get(`/costs/sessions/${encodeURIComponent(sessionId)}`).set('x-api-key', key);
          return session.status === 200 ? Object.fromEntries(fields.map((f) => [f, session.body[f]])) : { status: session.status };
        };
        const deadline = Date.now() + PROJECTION_DEADLINE_MS;
        let seen = await shown();
        while (JSON.stringify(seen) !== JSON.stringify(Object.fromEntries(fields.map((f) => [f, expected[f]]))) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          seen = await shown();
        }
        expect({ session: sessionId, ...seen }).toEqual({ session: sessionId, ...expected });
      }
    });
  });
});
