import { ValidateBy, ValidationOptions } from 'class-validator';

/** The instants PostgreSQL reads back from ISO-8601: it has no year 0 (it counts 1 BC) and no five-digit years. */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;

/**
 * What is wrong with a date-time that an ISO-8601 pattern (`YYYY-MM-DDThh:mm…`)
 * admitted, said after the field's name, or undefined: a day its month does not
 * have (Date.parse rolls 2025-04-31 over into May), or an instant PostgreSQL does
 * not read. `ms` is the instant as the caller parsed it.
 */
export function impossibleInstant(value: string, ms = Date.parse(value)): string | undefined {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return `is not a valid date-time: ${value.slice(0, 10)} is not a calendar date`;
  }
  if (ms < EARLIEST_MS || ms > LATEST_MS) return 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
  return undefined;
}

/** class-validator rule: see impossibleInstant. Put it after the rule that checks the ISO-8601 form. */
export function IsPossibleInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPossibleInstant',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || impossibleInstant(value) === undefined,
        defaultMessage: (args) => `${args?.property} ${impossibleInstant(String(args?.value))}`,
      },
    },
    options,
  );
}
