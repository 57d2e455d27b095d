import { planRange } from './rollup-range';

const t = (iso: string) => Date.parse(iso);
const spans = (list: readonly { lo: number; hi: number }[]) => list.map((s) => [s.lo, s.hi].map((x) => (Number.isFinite(x) ? new Date(x).toISOString() : String(x))));

describe('planRange', () => {
  it('reads an odd range as whole hours between two edge spans', () => {
    const plan = planRange([t('2026-04-02T12:34:56.789Z'), t('2026-04-02T17:01:02.004Z')]);
    expect(spans(plan.wholeHours)).toEqual([['2026-04-02T13:00:00.000Z', '2026-04-02T17:00:00.000Z']]);
    expect(spans(plan.edges)).toEqual([
      ['2026-04-02T12:34:56.789Z', '2026-04-02T13:00:00.000Z'],
      ['2026-04-02T17:00:00.000Z', '2026-04-02T17:01:02.004Z'],
    ]);
  });

  it('reads a range inside one hour from the calls only', () => {
    const plan = planRange([t('2026-04-02T12:10:00.000Z'), t('2026-04-02T12:50:00.000Z')]);
    expect(plan.wholeHours).toEqual([]);
    expect(spans(plan.edges)).toEqual([['2026-04-02T12:10:00.000Z', '2026-04-02T12:50:00.000Z']]);
  });

  it('needs no calls when every boundary is on the hour, reads whole days from the daily rollup, and keeps open ends open', () => {
    const days = planRange([t('2026-04-01T00:00:00Z'), t('2026-04-02T00:00:00Z'), t('2026-04-03T00:00:00Z')]);
    expect(spans(days.wholeDays)).toEqual([['2026-04-01T00:00:00.000Z', '2026-04-03T00:00:00.000Z']]);
    expect([days.wholeHours, days.edges]).toEqual([[], []]);
    const open = planRange([-Infinity, t('2026-04-02T12:00:00.001Z')]);
    expect(spans(open.wholeDays)).toEqual([['-Infinity', '2026-04-02T00:00:00.000Z']]);
    expect(spans(open.wholeHours)).toEqual([['2026-04-02T00:00:00.000Z', '2026-04-02T12:00:00.000Z']]);
    expect(spans(open.edges)).toEqual([['2026-04-02T12:00:00.000Z', '2026-04-02T12:00:00.001Z']]);
    expect(spans(planRange([-Infinity, Infinity]).wholeDays)).toEqual([['-Infinity', 'Infinity']]);
  });

  it('reads a 30-day odd range as edge calls, edge hours and whole days', () => {
    const plan = planRange([t('2026-03-03T12:34:56.789Z'), t('2026-04-02T17:01:02.004Z')]);
    expect(spans(plan.edges)).toEqual([
      ['2026-03-03T12:34:56.789Z', '2026-03-03T13:00:00.000Z'],
      ['2026-04-02T17:00:00.000Z', '2026-04-02T17:01:02.004Z'],
    ]);
    expect(spans(plan.wholeHours)).toEqual([
      ['2026-03-03T13:00:00.000Z', '2026-03-04T00:00:00.000Z'],
      ['2026-04-02T00:00:00.000Z', '2026-04-02T17:00:00.000Z'],
    ]);
    expect(spans(plan.wholeDays)).toEqual([['2026-03-04T00:00:00.000Z', '2026-04-02T00:00:00.000Z']]);
  });

  it('reads a day that an hour-aligned boundary cuts by the hour (America/New_York days)', () => {
    const plan = planRange([t('2026-04-01T04:00:00Z'), t('2026-04-02T04:00:00Z'), t('2026-04-03T04:00:00Z'), t('2026-04-06T04:00:00Z')]);
    expect(plan.edges).toEqual([]);
    // The days the first two buckets span are cut; the last bucket holds two whole UTC days.
    expect(spans(plan.wholeHours)).toEqual([
      ['2026-04-01T04:00:00.000Z', '2026-04-04T00:00:00.000Z'],
      ['2026-04-06T00:00:00.000Z', '2026-04-06T04:00:00.000Z'],
    ]);
    expect(spans(plan.wholeDays)).toEqual([['2026-04-04T00:00:00.000Z', '2026-04-06T00:00:00.000Z']]);
    const weekly = planRange([t('2026-04-01T04:00:00Z'), t('2026-04-08T04:00:00Z')]);
    expect(spans(weekly.wholeHours)).toEqual([
      ['2026-04-01T04:00:00.000Z', '2026-04-02T00:00:00.000Z'],
      ['2026-04-08T00:00:00.000Z', '2026-04-08T04:00:00.000Z'],
    ]);
    expect(spans(weekly.wholeDays)).toEqual([['2026-04-02T00:00:00.000Z', '2026-04-08T00:00:00.000Z']]);
  });

  it('reads the hours a half-hour zone cuts per call and merges adjacent ones (Asia/Kolkata days)', () => {
    const plan = planRange([t('2026-03-31T18:30:00Z'), t('2026-04-01T18:30:00Z'), t('2026-04-02T18:30:00Z')]);
    expect(spans(plan.wholeHours)).toEqual([
      ['2026-03-31T19:00:00.000Z', '2026-04-01T18:00:00.000Z'],
      ['2026-04-01T19:00:00.000Z', '2026-04-02T18:00:00.000Z'],
    ]);
    expect(spans(plan.edges)).toEqual([
      ['2026-03-31T18:30:00.000Z', '2026-03-31T19:00:00.000Z'],
      ['2026-04-01T18:00:00.000Z', '2026-04-01T19:00:00.000Z'],
      ['2026-04-02T18:00:00.000Z', '2026-04-02T18:30:00.000Z'],
    ]);
    const hourly = planRange([t('2026-04-01T00:30:00Z'), t('2026-04-01T01:30:00Z'), t('2026-04-01T02:30:00Z')]);
    expect(hourly.wholeHours).toEqual([]);
    expect(spans(hourly.edges)).toEqual([['2026-04-01T00:30:00.000Z', '2026-04-01T02:30:00.000Z']]);
  });
});
