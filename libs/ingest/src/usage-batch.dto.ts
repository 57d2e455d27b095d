
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { MODIFIER_PATTERN, PRICE_MODIFIERS, USAGE_CLASSES, usageClass, UsageQuantities } from '@ledger/pricing';
import { ModifierValues } from './usage-events';

/*
 * Bounds: ingest refuses what the read model cannot store, so no accepted event can fail in the
 * projection (ADR 0014). Token counts are bigint columns and so are a session's and an hour's sums of
 * them: at 10^9 per count per call a sum overflows only after 2.3 × 10^9 calls, beyond what the integer
 * call counters beside them hold anyway. `num_turns` is an integer column; `duration_ms` a bigint, bounded
 * to a year, so that no sum or price of it comes near 2^63 either.
 */
export const MAX_TOKENS = 1_000_000_000;
export const MAX_NUM_TURNS = 2_147_483_647;
export const MAX_DURATION_MS = 31_536_000_000;
/**
 * Non-negative plain decimal, up to 18 integer and 18 fractional digits: well inside what an
 * unconstrained NUMERIC holds (131,072 and 16,383), and whatever a sum of them reaches.
 */
export const DECIMAL = /^\d{1,18}(\.\d{1,18})?$/;
const decimalMessage = (field: string, example: string) =>
  `${field} must be a decimal string such as "${example}", at most 18 digits before the point and 18 after`;
/** ISO-8601 date-time that states its offset (`Z` or `±hh:mm`). */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function IsTokenMap(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isTokenMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([k, v]) => k.length >= 1 && k.length <= 128 && Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_TOKENS,
          ),
        defaultMessage: () => 'tool_tokens must be an object of tool name (1-128 chars) to an integer token count 0..1000000000',
      },
    },
    options,
  );
}

/** An optional integer field in 0..max, each bound named in its message. */
const BoundedInt = (max: number) => (target: object, key: string) => {
  IsOptional()(target, key);
  IsInt({ message: `${key} must be an integer` })(target, key);
  Min(0, { message: `${key} must be >= 0` })(target, key);
  Max(max, { message: `${key} must be <= ${max}` })(target, key);
};
const TokenCount = () => BoundedInt(MAX_TOKENS);

/**
 * A subset class (`partOf`) is at most its parent's count (absent: 0): the subset rule bills its units
 * at its own rate instead of the parent's. A parent that is not a valid count is left to its own rules,
 * so that only the parent is named.
 */
const AtMost = (parent: string) => (target: object, key: string) =>
  ValidateBy(
    {
      name: 'isPartOf',
      constraints: [parent],
      validator: {
        validate: (value: unknown, args) => {
          const whole = (args?.object as Record<string, unknown>)[parent] ?? 0;
          const isCount = typeof whole === 'number' && Number.isInteger(whole) && whole >= 0 && whole <= MAX_TOKENS;
          return typeof value !== 'number' || !isCount || value <= whole;
        },
      },
    },
    { message: `${key} must be <= ${parent} (it is part of it)` },
  )(target, key);

/** Fields every usage event carries. */
export class UsageEventBody {
  @ApiProperty({ description: 'The idempotency key, unique per workspace.', pattern: '^[A-Za-z0-9._:-]{1,128}$', example: 'evt_01' })
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'event_id must be 1-128 characters of letters, digits, . _ : -' })
  event_id: string;

  @ApiProperty({ enum: ['TokenUsed', 'ToolCalled', 'SessionFinalized'] })
  @IsIn(['TokenUsed', 'ToolCalled', 'SessionFinalized'], { message: 'type must be one of TokenUsed, ToolCalled, SessionFinalized' })
  type: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'sess_1' })
  @IsString() @Length(1, 128)
  session_id: string;

  @ApiPropertyOptional({ maxLength: 128, description: 'The workflow run; send it on every event of the session.' })
  @IsOptional() @IsString() @MaxLength(128)
  execution_id?: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional() @IsString() @MaxLength(128)
  workflow_id?: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional() @IsString() @MaxLength(128)
  phase_id?: string;

  @ApiProperty({ format: 'date-time', description: 'ISO-8601 with a timezone; at most 5 minutes in the future.', example: '2026-04-02T12:00:05.100Z' })
  @Matches(ISO_WITH_ZONE, { message: 'occurred_at must be an ISO-8601 date-time with a timezone, e.g. 2026-04-02T12:00:05.100Z' })
  occurred_at: string;
}

export class TokenUsedBody extends UsageEventBody {
  @ApiProperty({ example: 'gpt-4o' })
  @IsString() @MinLength(1) @MaxLength(200)
  model: string;

  @ApiPropertyOptional({
    maxLength: 64,
    example: 'anthropic',
    description:
      'Who served the call, by the catalog\'s provider ids (GET /v1/pricing/providers; aliases such as bedrock or vertex accepted). ' +
      'The model name resolves within it; absent: within the model\'s first-party provider.',
  })
  @IsOptional() @IsString() @Length(1, 64)
  provider?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200)
  step_name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'integer', minimum: 0, maximum: MAX_TOKENS }, example: { Read: 100, Bash: 200 } })
  @IsOptional() @IsTokenMap()
  tool_tokens?: Record<string, number>;

  @ApiPropertyOptional({ example: '0.0118', pattern: DECIMAL.source, description: 'Kept for reconciliation; never replaces the computed cost.' })
  @IsOptional() @Matches(DECIMAL, { message: decimalMessage('reported_cost_usd', '0.0342') })
  reported_cost_usd?: string;
}

// The usage classes' counts and the price modifiers are properties of TokenUsedBody by the pricing
// slice's lists, so that a class added there is accepted, bounded and documented here without an edit.
for (const cls of USAGE_CLASSES) {
  ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_TOKENS, default: 0, description: cls.description })(TokenUsedBody.prototype, cls.field);
  TokenCount()(TokenUsedBody.prototype, cls.field);
  if ('partOf' in cls) AtMost(usageClass(cls.partOf).field)(TokenUsedBody.prototype, cls.field);
}
for (const modifier of PRICE_MODIFIERS) {
  const { field, description } = modifier;
  const values: readonly string[] | undefined = 'values' in modifier ? modifier.values : undefined;
  IsOptional()(TokenUsedBody.prototype, field);
  if (values) {
    ApiPropertyOptional({ type: String, enum: values, default: modifier.default, description })(TokenUsedBody.prototype, field);
    IsIn(values, { message: `${field} must be one of ${values.join(', ')}` })(TokenUsedBody.prototype, field);
  } else {
    ApiPropertyOptional({ type: String, pattern: MODIFIER_PATTERN.source, default: modifier.default, description })(TokenUsedBody.prototype, field);
    const message = `${field} must be 1-32 lowercase letters, digits, _ or -, starting with a letter or digit (e.g. "${modifier.default}")`;
    Matches(MODIFIER_PATTERN, { message })(TokenUsedBody.prototype, field);
  }
}

/** A TokenUsed body as validated: the class's own fields, and the counts and modifiers given to it above. */
export type TokenUsedInput = TokenUsedBody & UsageQuantities & ModifierValues;

export class ToolCalledBody extends UsageEventBody {
  @ApiProperty({ example: 'Bash' })
  @IsString() @Length(1, 128)
  tool_name: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_DURATION_MS, description: 'At most a year (31,536,000,000 ms).' })
  @BoundedInt(MAX_DURATION_MS)
  duration_ms?: number;

  @ApiPropertyOptional({ example: '0.0015', pattern: DECIMAL.source, description: 'Absent: priced from the tool’s compute rate, else 0.' })
  @IsOptional() @Matches(DECIMAL, { message: decimalMessage('compute_cost_usd', '0.0015') })
  compute_cost_usd?: string;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional() @IsString() @MaxLength(64)
  status?: string;
}

export class SessionFinalizedBody extends UsageEventBody {
  @ApiPropertyOptional({ enum: ['completed', 'failed', 'cancelled'] })
  @IsOptional() @IsIn(['completed', 'failed', 'cancelled'], { message: 'status must be one of completed, failed, cancelled' })
  status?: 'completed' | 'failed' | 'cancelled';

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_DURATION_MS, description: 'At most a year (31,536,000,000 ms).' })
  @BoundedInt(MAX_DURATION_MS)
  duration_ms?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_NUM_TURNS })
  @BoundedInt(MAX_NUM_TURNS)
  num_turns?: number;
}

export const BODY_CLASS_BY_TYPE = {
  TokenUsed: TokenUsedBody,
  ToolCalled: ToolCalledBody,
  SessionFinalized: SessionFinalizedBody,
} as const;

/** `POST /v1/events` request body (documentation; validation is per event type in parseUsageBatch). */
export class UsageBatchBody {
  @ApiProperty({
    minItems: 1,
    maxItems: 1000,
    type: 'array',
    items: { oneOf: [{ $ref: '#/components/schemas/TokenUsedBody' }, { $ref: '#/components/schemas/ToolCalledBody' }, { $ref: '#/components/schemas/SessionFinalizedBody' }] },
  })
  events: unknown[];
}

export class RecordUsageData {
  @ApiProperty({ description: 'Events newly stored.' }) accepted: number;
  @ApiProperty({ description: 'Events already recorded with an identical payload.' }) duplicates: number;
  @ApiProperty({ example: '812-3', description: 'Opaque; pass as ?after= to read your own writes.' }) position: string;
}

export class RecordUsageResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: RecordUsageData }) data: RecordUsageData;
}
