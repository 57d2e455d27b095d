import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidationOptions } from 'class-validator';
import { WORKSPACE_ID, WORKSPACE_ID_MESSAGE } from '@ledger/auth';

/*
 * Each query parameter is declared once, by one of the decorators below: they validate it, convert it as
 * FastAPI (pydantic v2, lax mode) converts a query string, give each failure both the ledger's message
 * (for `/v1`) and pydantic's error (for `/costs`), and document it in the OpenAPI document with the same
 * type, range and default. Nest's swagger module lists a query class's documented fields as parameters.
 */

const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);
const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);

/** pydantic v2's spellings of a boolean, in any case; anything else is left for the validator to refuse. */
export const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : value;
};

/** pydantic v2's integer from a string: surrounding spaces, `_` between digits and a zero fraction (`5.0`) are allowed. */
export const toInteger = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  let s = value.trim().replace(/\.0+$/, '');
  if (/^[+-]?\d+(_\d+)+$/.test(s)) s = s.replace(/_/g, '');
  return /^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : value;
};

/** An empty value (`?execution_id=`) is no value, as a client that fills a form leaves it. */
const emptyIsAbsent = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

const pydantic = (type: string, msg: string, ctx?: Record<string, unknown>): ValidationOptions => ({ context: { pydantic: { type, msg, ...(ctx && { ctx }) } } });

/** Applies the decorators `build` gives for the property's name, in order. */
const param =
  (build: (name: string) => PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of build(String(key))) decorate(target, key);
  };

/** pydantic's list of literals: `'a', 'b' or 'c'`. */
const literals = (values: readonly string[]) => {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted.join('');
};

export function IntegerParam(o: { min: number; max: number; default: number; description: string }): PropertyDecorator {
  return param((name) => [
    ApiPropertyOptional({ type: 'integer', minimum: o.min, maximum: o.max, default: o.default, description: o.description }),
    IsOptional(),
    Transform(toInteger),
    IsInt({ message: `${name} must be an integer`, ...pydantic('int_parsing', 'Input should be a valid integer, unable to parse string as an integer') }),
    Min(o.min, { message: `${name} must be >= ${o.min}`, ...pydantic('greater_than_equal', `Input should be greater than or equal to ${o.min}`, { ge: o.min }) }),
    Max(o.max, { message: `${name} must be <= ${o.max}`, ...pydantic('less_than_equal', `Input should be less than or equal to ${o.max}`, { le: o.max }) }),
  ]);
}

export function BooleanParam(o: { default: boolean; description: string }): PropertyDecorator {
  return param((name) => [
    ApiPropertyOptional({ type: 'boolean', default: o.default, description: `${o.description} Also 1/0, yes/no, on/off, t/f, y/n, in any case.` }),
    IsOptional(),
    Transform(toBoolean),
    IsBoolean({ message: `${name} must be true or false`, ...pydantic('bool_parsing', 'Input should be a valid boolean, unable to interpret input') }),
  ]);
}

export function StringParam(o: { maxLength: number; description: string; default?: string; format?: string; what?: string; emptyIsAbsent?: boolean }): PropertyDecorator {
  return param((name) => [
    ApiPropertyOptional({ type: 'string', maxLength: o.maxLength, format: o.format, default: o.default, description: o.description }),
    IsOptional(),
    ...(o.emptyIsAbsent ? [Transform(emptyIsAbsent)] : []),
    IsString({ message: `${name} must be ${o.what ?? 'a string'}`, ...pydantic('string_type', 'Input should be a valid string') }),
    MaxLength(o.maxLength, {
      message: `${name} is too long`,
      ...pydantic('string_too_long', `String should have at most ${o.maxLength} characters`, { max_length: o.maxLength }),
    }),
  ]);
}

export function PatternParam(o: { pattern: RegExp; message: string; description: string }): PropertyDecorator {
  return param(() => [
    ApiPropertyOptional({ type: 'string', pattern: o.pattern.source, description: o.description }),
    IsOptional(),
    Matches(o.pattern, { message: o.message, ...pydantic('string_pattern_mismatch', `String should match pattern '${o.pattern.source}'`, { pattern: o.pattern.source }) }),
  ]);
}

export function OneOfParam(o: { values: readonly string[]; default?: string; description: string }): PropertyDecorator {
  return param((name) => [
    ApiPropertyOptional({ type: 'string', enum: [...o.values], default: o.default, description: o.description }),
    IsOptional(),
    IsIn([...o.values], {
      message: `${name} must be one of ${o.values.join(', ')}`,
      ...pydantic('literal_error', `Input should be ${literals(o.values)}`, { expected: literals(o.values) }),
    }),
  ]);
}

/** Parameters every read accepts. */
export class ReadParams {
  @PatternParam({
    pattern: /^-?\d{1,30}--?\d{1,30}$/,
    message: 'after must be a position returned by POST /v1/events',
    description: 'A `position` returned by `POST /v1/events`: the read waits (up to 5 s) until the views include it.',
  })
  after?: string;

  @PatternParam({
    pattern: WORKSPACE_ID,
    message: WORKSPACE_ID_MESSAGE,
    description: 'Admin key only: the workspace to read. Ignored for workspace keys, which read their own.',
  })
  workspace_id?: string;
}

export class PageParams extends ReadParams {
  @IntegerParam({ min: 1, max: 200, default: 50, description: 'Max items to return' })
  limit = 50;

  @StringParam({ maxLength: 512, description: 'Extension: the opaque `cursor` from a previous page’s `Link: <…>; rel="next"`.' })
  cursor?: string;
}

export class BreakdownParams extends ReadParams {
  @BooleanParam({ default: true, description: 'Include the model/tool (and, for an execution, phase) breakdowns.' })
  include_breakdown = true;
}
