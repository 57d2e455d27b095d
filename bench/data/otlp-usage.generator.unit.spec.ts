import Big from 'big.js';
import { normalizeRecords } from '../../libs/otlp/src/normalize-records';
import { decodeOtlp } from '../../libs/otlp/src/receiver/otlp-codec';
import { priceCall } from '../support/pricing-oracle';
import { generateOtlpUsage } from './otlp-usage.generator';

describe('OTLP usage generator', () => {
  const data = generateOtlpUsage({ records: 3_210, seed: 'otlp-generator-spec', batchSize: 500 });
  /** Every batch as the service reads it: the receiver's protobuf decoding, then the normalizers. */
  const normalized = data.batches.map((b) => normalizeRecords(decodeOtlp('logs', 'protobuf', b.body)));
  const events = normalized.flatMap((n) => n.events.map((e) => e.event));

  it('encodes the records in batches of the given size, each decoded by the receiver to one Claude Code TokenUsed apiece', () => {
    expect(data.batches.map((b) => b.records)).toEqual([500, 500, 500, 500, 500, 500, 210]);
    expect(normalized.map((n) => [n.rejected.length, n.ignored])).toEqual(normalized.map(() => [0, 0]));
    expect(events).toHaveLength(3_210);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['TokenUsed']));
    expect(new Set(events.map((e) => e.event_id.split(':')[0]))).toEqual(new Set(['claude-code']));
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3_210);
  });

  it('knows the totals the service must report: tokens, sessions, executions and the exact cost of the events as normalized', () => {
    const tokens = events.reduce((n, e) => n + Number(e.input_tokens) + Number(e.output_tokens) + Number(e.cache_read_tokens) + Number(e.cache_creation_tokens), 0);
    const cost = events.reduce((sum, e) => {
      const { pricing, cost: c } = priceCall(String(e.model), Date.parse(e.occurred_at), e);
      expect(pricing).toBe('priced');
      return sum.plus(c);
    }, new Big(0));
    expect(tokens).toBe(data.truth.totalTokens);
    expect(cost.eq(data.truth.tokenCost)).toBe(true);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(data.truth.sessions);
    expect(new Set(events.map((e) => e.execution_id)).size).toBe(data.truth.executions);
    // The price dimensions the mix is there to exercise: fast mode and the long-context tier.
    expect(events.some((e) => e.speed === 'fast')).toBe(true);
    expect(events.some((e) => Number(e.input_tokens) + Number(e.cache_read_tokens) + Number(e.cache_creation_tokens) > 200_000)).toBe(true);
  });

  it('is reproducible from its seed', () => {
    const again = generateOtlpUsage({ records: 3_210, seed: 'otlp-generator-spec', batchSize: 500 });
    expect(again.batches.map((b) => b.body.toString('base64'))).toEqual(data.batches.map((b) => b.body.toString('base64')));
  });
});
