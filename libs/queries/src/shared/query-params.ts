import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
export const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

/** Parameters every read accepts. */
export class ReadParams {
  /** A position from `POST /v1/events`: wait (up to 5 s) until the views include it. */
  @IsOptional() @Matches(/^-?\d{1,30}--?\d{1,30}$/, { message: 'after must be a position returned by POST /v1/events' })
  after?: string;

  /** Admin key only: the workspace to read. Ignored for workspace keys, which read their own. */
  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'workspace_id must be 1-64 characters of letters, digits, _ - .' })
  workspace_id?: string;
}

export class PageParams extends ReadParams {
  @IsOptional() @Transform(toInteger) @IsInt({ message: 'limit must be an integer' }) @Min(1, { message: 'limit must be >= 1' }) @Max(200, { message: 'limit must be <= 200' })
  limit = 50;

  /** Extension: the opaque `cursor` from a previous page's `Link: <…>; rel="next"`. */
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

export class BreakdownParams extends ReadParams {
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'include_breakdown must be true or false' })
  include_breakdown = true;
}
