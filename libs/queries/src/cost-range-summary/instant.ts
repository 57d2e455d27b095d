import { impossibleInstant, ValidationError } from '@ledger/http';
import { DateTime } from 'luxon';

/**
 * ISO-8601 date-time that states its offset. At most millisecond precision: usage is stored to the
 * millisecond, so a finer bound would have to be rounded, and rounding an inclusive bound changes the answer.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

const problem = (field: string, message: string) => new ValidationError([{ field, location: 'query', message }]);

/** Parses a query parameter as an instant (ms since the epoch), or raises a validation error naming it. */
export function parseInstant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = ISO_INSTANT.test(value) ? DateTime.fromISO(value, { setZone: true }) : undefined;
  // Well-formed but impossible: 2025-04-31, or a year PostgreSQL does not read.
  const impossible = parsed && impossibleInstant(value, parsed.toMillis());
  if (impossible) throw problem(field, `${field} ${impossible}`);
  if (parsed && !parsed.isValid) throw problem(field, `${field} is not a valid date-time: ${parsed.invalidExplanation}`);
  if (!parsed) {
    throw problem(field, `${field} must be an ISO-8601 date-time with a timezone and at most millisecond precision, e.g. 2026-04-01T00:00:00Z`);
  }
  return parsed.toMillis();
}

/** `from` and `to`, both inclusive; either may be open. `from` after `to` is refused, naming `from`. */
export function parseInclusiveRange(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  const range = { from: parseInstant(from, 'from'), to: parseInstant(to, 'to') };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) throw problem('from', 'from must not be after to');
  return range;
}

export const isoUtc = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());
