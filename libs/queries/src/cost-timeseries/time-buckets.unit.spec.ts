import { DateTime, IANAZone } from 'luxon';
import { Boundary, bucketBoundaries, Granularity, localIso } from './time-buckets';

const t = (iso: string) => Date.parse(iso);
const local = (bs: Boundary[] | undefined) => bs!.map(localIso);

describe('bucketBoundaries', () => {
  it('gives the spring-forward day in New York 23 hours and skips the missing local hour', () => {
    const zone = 'America/New_York';
    expect(local(bucketBoundaries(t('2026-03-07T12:00:00-05:00'), t('2026-03-09T00:00:00-04:00'), 'day', zone))).toEqual([
      '2026-03-07T00:00:00.000-05:00',
      '2026-03-08T00:00:00.000-05:00',
      '2026-03-09T00:00:00.000-04:00',
      '2026-03-10T00:00:00.000-04:00',
    ]);
    expect(local(bucketBoundaries(t('2026-03-08T01:00:00-05:00'), t('2026-03-08T03:59:59.999-04:00'), 'hour', zone))).toEqual([
      '2026-03-08T01:00:00.000-05:00',
      '2026-03-08T03:00:00.000-04:00',
      '2026-03-08T04:00:00.000-04:00',
    ]);
  });

  it('gives the fall-back day in Berlin 25 hours, and weeks start on Monday', () => {
    const zone = 'Europe/Berlin';
    const days = bucketBoundaries(t('2026-10-25T00:00:00+02:00'), t('2026-10-25T23:59:59.999+01:00'), 'day', zone)!;
    expect(days.length).toBe(2);
    expect(days[1].at - days[0].at).toBe(25 * 3_600_000);
    expect(local(bucketBoundaries(t('2026-03-29T12:00:00+02:00'), t('2026-03-30T00:00:00+02:00'), 'week', zone))).toEqual([
      '2026-03-23T00:00:00.000+01:00',
      '2026-03-30T00:00:00.000+02:00',
      '2026-04-06T00:00:00.000+02:00',
    ]);
  });

  it('follows months and half-hour zones, and includes the period containing an inclusive `to`', () => {
    expect(local(bucketBoundaries(t('2026-01-31T10:00:00Z'), t('2026-03-01T00:00:00Z'), 'month', 'UTC'))).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
    ]);
    expect(local(bucketBoundaries(t('2026-04-01T00:00:00Z'), t('2026-04-01T00:00:00Z'), 'day', 'Asia/Kolkata'))).toEqual([
      '2026-04-01T00:00:00.000+05:30',
      '2026-04-02T00:00:00.000+05:30',
    ]);
  });

  it('snaps hours to the local clock where it moves by 30 minutes (Australia/Lord_Howe)', () => {
    const zone = 'Australia/Lord_Howe';
    expect(local(bucketBoundaries(t('2026-10-03T14:30:00Z'), t('2026-10-03T16:00:00Z'), 'hour', zone))).toEqual([
      '2026-10-04T01:00:00.000+10:30',
      '2026-10-04T02:30:00.000+11:00',
      '2026-10-04T03:00:00.000+11:00',
      '2026-10-04T04:00:00.000+11:00',
    ]);
  });

  it('refuses more than the bucket cap', () => {
    expect(bucketBoundaries(t('2026-01-01T00:00:00Z'), t('2026-02-11T15:59:59.999Z'), 'hour', 'UTC')!.length).toBe(1001);
    expect(bucketBoundaries(t('2026-01-01T00:00:00Z'), t('2026-02-11T16:00:00Z'), 'hour', 'UTC')).toBeUndefined();
  });

  it('has a 25-hour night in New York when the clocks go back: 01:00 happens twice, as two buckets', () => {
    const zone = 'America/New_York';
    expect(local(bucketBoundaries(t('2026-11-01T00:00:00-04:00'), t('2026-11-01T02:00:00-05:00'), 'hour', zone))).toEqual([
      '2026-11-01T00:00:00.000-04:00',
      '2026-11-01T01:00:00.000-04:00',
      '2026-11-01T01:00:00.000-05:00',
      '2026-11-01T02:00:00.000-05:00',
      '2026-11-01T03:00:00.000-05:00',
    ]);
  });

  it('agrees with Luxon calendar arithmetic in zones with odd offsets and midnight changes', () => {
    /** The straightforward Luxon version: start of the period, plus one period, start of the period. */
    const reference = (from: number, to: number, granularity: Granularity, zone: string) => {
      let start = DateTime.fromMillis(from, { zone }).startOf(granularity);
      const out = [start.toISO()];
      while (start.toMillis() <= to) {
        start = granularity === 'hour'
          ? DateTime.fromMillis(start.toMillis() + 3_600_000, { zone }).startOf('hour')
          : start.plus({ [`${granularity}s`]: 1 }).startOf(granularity);
        out.push(start.toISO());
      }
      return out.map((s) => DateTime.fromISO(s!, { setZone: true }).toMillis());
    };
    const zones = ['America/New_York', 'Europe/Berlin', 'Europe/London', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide',
      'Pacific/Chatham', 'America/Havana', 'America/Santiago', 'America/St_Johns', 'Asia/Tehran', 'UTC'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const zone of zones) {
      for (const granularity of ['hour', 'day', 'week', 'month'] as const) {
        for (let i = 0; i < 3; i++) {
          const from = t('2025-01-01T00:00:00Z') + Math.floor(rnd() * 2 * 365 * 86_400_000);
          const span = { hour: 5, day: 40, week: 120, month: 400 }[granularity] * 86_400_000 * (granularity === 'hour' ? 0.2 : 1);
          const to = from + Math.floor(rnd() * span);
          const ours = bucketBoundaries(from, to, granularity, zone)!;
          expect({ zone, granularity, from, at: ours.map((b) => b.at) }).toEqual({ zone, granularity, from, at: reference(from, to, granularity, zone) });
          for (const b of ours) expect(localIso(b)).toBe(DateTime.fromMillis(b.at, { zone }).toISO()!.replace(/\+00:00$/, 'Z'));
        }
      }
      // Around each change of the zone's clocks in 2026, hour by hour and day by day.
      const iana = IANAZone.create(zone);
      for (let h = t('2026-01-01T00:00:00Z'); h < t('2027-01-01T00:00:00Z'); h += 6 * 3_600_000) {
        if (iana.offset(h) === iana.offset(h + 6 * 3_600_000)) continue;
        for (const granularity of ['hour', 'day'] as const) {
          const [from, to] = [h - 30 * 3_600_000 + 1234, h + 36 * 3_600_000];
          expect({ zone, granularity, from, at: bucketBoundaries(from, to, granularity, zone)!.map((b) => b.at) })
            .toEqual({ zone, granularity, from, at: reference(from, to, granularity, zone) });
        }
      }
    }
  });
});
