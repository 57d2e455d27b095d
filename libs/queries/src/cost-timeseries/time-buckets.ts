import { IANAZone } from 'luxon';

export type Granularity = 'hour' | 'day' | 'week' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day', 'week', 'month'];
export const MAX_BUCKETS = 1000;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A bucket boundary: an instant and the zone's UTC offset (minutes) in force at it. */
export interface Boundary {
  readonly at: number;
  readonly offset: number;
}

/** Zones already found valid. There are a few hundred names, so the set stays small; invalid names are not kept. */
const knownZones = new Set<string>();

/**
 * Whether `zone` names an IANA time zone. Luxon's `IANAZone.isValidZone` builds an `Intl.DateTimeFormat` on
 * every call, about half a millisecond here, so a zone is asked once.
 */
export function isValidZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  knownZones.add(zone);
  return true;
}

/** Zone names whose offset never changes; their offset is read once. */
const FIXED = /^(Etc\/)?(UTC|UCT|GMT|Universal|Zulu|Greenwich)([+-]\d{1,2})?$/i;

/**
 * The zone's offset at an instant. Luxon's `IANAZone.offset` asks `Intl` (tens of microseconds a call), so
 * the arithmetic below calls it as little as it can: a month of days costs about sixty calls.
 */
function offsetFn(zone: string): (t: number) => number {
  const iana = IANAZone.create(zone);
  if (FIXED.test(zone)) {
    const fixed = iana.offset(0);
    return () => fixed;
  }
  return (t) => iana.offset(t);
}

/**
 * The instant of a local wall-clock time (`wall`: the local fields read as if UTC, in ms). Where the wall
 * time occurs twice (clocks going back), the earlier instant; where it does not exist (clocks going forward),
 * the instant the clocks jump, as Luxon does.
 */
function wallToInstant(wall: number, hint: number, offset: (t: number) => number): Boundary {
  const o1 = offset(wall - hint * MINUTE_MS);
  // The usual case, one lookup: the offset is the one in force at the previous boundary.
  if (o1 === hint) return { at: wall - o1 * MINUTE_MS, offset: o1 };
  const o2 = offset(wall - o1 * MINUTE_MS);
  if (o1 === o2) {
    // Valid under o1; if also valid under the (larger) hint, the wall time occurs twice: the earlier wins.
    // (Valid under the hint means offset(wall - hint) = hint, i.e. o1 = hint, handled above.)
    return { at: wall - o1 * MINUTE_MS, offset: o1 };
  }
  if (offset(wall - o2 * MINUTE_MS) === o2) return { at: wall - o2 * MINUTE_MS, offset: o2 };
  // A gap: the wall time is skipped; the period starts when the clocks jump.
  const at = wall - Math.min(o1, o2) * MINUTE_MS;
  return { at, offset: offset(at) };
}

/** The local wall time `wall` truncated to the start of its period (weeks start on Monday). */
function truncate(wall: number, granularity: Granularity): number {
  const d = new Date(wall);
  switch (granularity) {
    case 'hour':
      return wall - (((wall % HOUR_MS) + HOUR_MS) % HOUR_MS);
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'week':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

function nextWall(wall: number, granularity: Exclude<Granularity, 'hour'>): number {
  const d = new Date(wall);
  if (granularity === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + (granularity === 'week' ? 7 : 1));
}

/**
 * The next local hour: an hour later, snapped to the local clock's hour, so that a zone whose clocks move
 * by 30 minutes (Australia/Lord_Howe) gets one 30-minute bucket rather than every later hour off the clock.
 * Where the offset did not change and the previous boundary is on the local hour, that is just an hour
 * later (one offset lookup).
 */
function nextHour(prev: Boundary, offset: (t: number) => number): Boundary {
  const at = prev.at + HOUR_MS;
  const o = offset(at);
  const wall = at + o * MINUTE_MS;
  if (o === prev.offset && wall % HOUR_MS === 0) return { at, offset: o };
  const snapped = wallToInstant(truncate(wall, 'hour'), o, offset);
  return snapped.at > prev.at ? snapped : { at, offset: o };
}

/**
 * The boundaries `b0 < b1 < … < bn` of the calendar periods (local hours, days, ISO weeks from Monday,
 * months) of `zone` that contain some instant of `[from, to]`, `to` inclusive: bucket `i` is `[b(i-1), b(i))`.
 * Periods follow the zone's clocks, so a day with a daylight-saving change lasts 23 or 25 hours.
 * Undefined when that takes more than `max` buckets. Pure.
 */
export function bucketBoundaries(from: number, to: number, granularity: Granularity, zone: string, max = MAX_BUCKETS): Boundary[] | undefined {
  const offset = offsetFn(zone);
  const o = offset(from);
  let wall = truncate(from + o * MINUTE_MS, granularity);
  const boundaries = [wallToInstant(wall, o, offset)];
  while (boundaries[boundaries.length - 1].at <= to) {
    if (boundaries.length > max) return undefined;
    const prev = boundaries[boundaries.length - 1];
    if (granularity === 'hour') {
      // No zone changes its clocks twice within a day: the same offset a day later means a day of plain hours.
      if ((prev.at + prev.offset * MINUTE_MS) % HOUR_MS === 0 && offset(prev.at + DAY_MS) === prev.offset) {
        for (let k = 1; k <= 24 && boundaries[boundaries.length - 1].at <= to && boundaries.length <= max; k++) {
          boundaries.push({ at: prev.at + k * HOUR_MS, offset: prev.offset });
        }
      } else {
        boundaries.push(nextHour(prev, offset));
      }
    } else {
      wall = nextWall(wall, granularity);
      boundaries.push(wallToInstant(wall, prev.offset, offset));
    }
  }
  return boundaries;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A boundary as local time with its offset, e.g. `2026-03-08T03:00:00.000-04:00` (`Z` at offset zero). */
export function localIso(b: Boundary): string {
  const local = new Date(b.at + b.offset * MINUTE_MS).toISOString().slice(0, 23);
  if (b.offset === 0) return `${local}Z`;
  const abs = Math.round(Math.abs(b.offset));
  return `${local}${b.offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
