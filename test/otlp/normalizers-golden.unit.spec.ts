import path from 'node:path';
import { parseUsageEvent } from '@ledger/ingest';
import { decodeOtlp, normalizeRecords } from '@ledger/otlp';
import { OtlpFixture, otlpFixtures, otlpProtobuf } from '../support/otlp';

/**
 * Every golden fixture under test/otlp/fixtures/<source>/ (receiver/ aside, which holds the receiver's own
 * bodies) decoded by the receiver's decoder from either encoding and normalized, without a database: the events
 * in record order without their ids, the same ids from JSON and from protobuf, the number of records rejected,
 * each event as ingest's own parser accepts it. The HTTP golden runner (test/otlp-golden.e2e.spec.ts) posts the
 * same fixtures and checks their sessions' costs.
 */
const FIXTURES = otlpFixtures(path.join(__dirname, 'fixtures')).filter((f) => !f.file.startsWith(`receiver${path.sep}`));

const normalized = (fixture: OtlpFixture, encoding: 'json' | 'protobuf') =>
  normalizeRecords(
    decodeOtlp(fixture.signal, encoding, encoding === 'json' ? Buffer.from(JSON.stringify(fixture.request)) : otlpProtobuf(fixture.signal, fixture.request)),
  );

describe('normalizer golden fixtures', () => {
  it('finds fixtures', () => {
    expect(FIXTURES.length).toBeGreaterThan(0);
  });

  describe.each(FIXTURES.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    const result = normalized(fixture, 'json');

    it('normalizes to the expected events, in record order', () => {
      expect(result.events.map(({ event: { event_id: _id, ...fields } }) => fields)).toEqual(fixture.events);
    });

    it('rejects the expected records', () => {
      expect(result.rejected.length).toBe(fixture.rejected);
    });

    it('gives every event its own id, the same from protobuf as from JSON', () => {
      const ids = result.events.map((e) => e.event.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(normalized(fixture, 'protobuf').events.map((e) => e.event.event_id)).toEqual(ids);
    });

    it('makes events ingest accepts as they are', () => {
      for (const { event } of result.events) {
        const parsed = parseUsageEvent(event, 'ws_golden', Date.parse('2027-01-01T00:00:00Z'));
        expect(Array.isArray(parsed) ? parsed : []).toEqual([]);
      }
    });

    it('names only sessions its events carry', () => {
      const sessions = new Set(fixture.events.map((e) => e.session_id));
      for (const id of Object.keys(fixture.sessions)) expect(sessions.has(id)).toBe(true);
    });
  });
});
