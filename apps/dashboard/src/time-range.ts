/** The viewer's time range and time zone: presets end now; a custom range is wall-clock time in the chosen zone. */

export type Preset = '24h' | '7d' | '30d' | '90d' | 'custom';
export type Granularity = 'hour' | 'day' | 'week' | 'month';

export interface RangeChoice {
  preset: Preset;
  /** Custom bounds as `YYYY-MM-DDTHH:mm` in `tz`. */
  customFrom: string;
  customTo: string;
  tz: string;
}

export const PRESETS: Array<{ id: Preset; label: string; hours: number; granularity: Granularity }> = [
  { id: '24h', label: 'Last 24 hours', hours: 24, granularity: 'hour' },
  { id: '7d', label: 'Last 7 days', hours: 24 * 7, granularity: 'day' },
  { id: '30d', label: 'Last 30 days', hours: 24 * 30, granularity: 'day' },
  { id: '90d', label: 'Last 90 days', hours: 24 * 90, granularity: 'week' },
];

export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return Array.from(new Set(['UTC', viewerTimeZone(), ...zones]));
}

/** Minutes `tz` is ahead of UTC at the instant `utcMs`. */
function offsetMinutes(utcMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** `YYYY-MM-DDTHH:mm` read as wall-clock time in `tz` → the UTC instant (ISO). */
export function wallTimeToIso(local: string, tz: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return undefined;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let utc = guess - offsetMinutes(guess, tz) * 60000;
  utc = guess - offsetMinutes(utc, tz) * 60000;
  return new Date(utc).toISOString();
}

/** The UTC instant → `YYYY-MM-DDTHH:mm` on the wall clock of `tz`, for a datetime-local input. */
export function isoToWallTime(iso: string, tz: string): string {
  const ms = Date.parse(iso);
  return new Date(ms + offsetMinutes(ms, tz) * 60000).toISOString().slice(0, 16);
}

export function resolveRange(choice: RangeChoice, now = Date.now()): { from: string; to: string } | { error: string } {
  if (choice.preset !== 'custom') {
    const p = PRESETS.find((x) => x.id === choice.preset)!;
    return { from: new Date(now - p.hours * 3600e3).toISOString(), to: new Date(now).toISOString() };
  }
  const from = wallTimeToIso(choice.customFrom, choice.tz);
  const to = wallTimeToIso(choice.customTo, choice.tz);
  if (!from || !to) return { error: 'Give both ends of the custom range.' };
  if (from > to) return { error: 'The range starts after it ends.' };
  return { from, to };
}

export function defaultGranularity(choice: RangeChoice, range: { from: string; to: string }): Granularity {
  if (choice.preset !== 'custom') return PRESETS.find((x) => x.id === choice.preset)!.granularity;
  const hours = (Date.parse(range.to) - Date.parse(range.from)) / 3600e3;
  return hours <= 48 ? 'hour' : hours <= 24 * 60 ? 'day' : hours <= 24 * 366 ? 'week' : 'month';
}

export function formatInstant(iso: string | null | undefined, tz: string, withSeconds = false): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(undefined, {
    timeZone: tz, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(withSeconds && { second: '2-digit' }),
  }).format(new Date(iso));
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Time of day with seconds, for rows of one session whose date is in its header. */
export function formatClock(iso: string, tz: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
}
