import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** A per-1M-token or per-unit USD rate: up to 12 fractional digits (some rates are $0.01 per million). */
const RATE = /^\d{1,9}(\.\d{1,12})?$/;
const rateMessage = (field: string) => `${field} must be a decimal string with up to 12 fractional digits, e.g. "2.50"`;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const instantMessage = (field: string) => `${field} must be an ISO-8601 date-time with a timezone, e.g. 2025-06-10T00:00:00Z`;

export class RatesBody {
  @Matches(RATE, { message: rateMessage('input') }) input: string;
  @Matches(RATE, { message: rateMessage('output') }) output: string;
  @Matches(RATE, { message: rateMessage('cache_creation') }) cache_creation: string;
  @Matches(RATE, { message: rateMessage('cache_read') }) cache_read: string;
}

export class TierBody {
  @IsInt() @Min(1)
  above_prompt_tokens: number;

  @ValidateNested() @Type(() => RatesBody)
  rates: RatesBody;
}

class ChangeMeta {
  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;

  /** Optimistic concurrency: the catalog version this change was made against. */
  @IsOptional() @IsInt() @Min(0)
  expected_version?: number;
}

export class ModelPriceBody extends ChangeMeta {
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') })
  effective_from: string;

  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_to') })
  effective_to?: string | null;

  @ValidateNested() @Type(() => RatesBody)
  rates: RatesBody;

  @IsOptional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => TierBody)
  tiers?: TierBody[];

  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true })
  aliases?: string[];
}

export class ToolPriceBody extends ChangeMeta {
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') })
  effective_from: string;

  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_to') })
  effective_to?: string | null;

  @IsOptional() @Matches(RATE, { message: rateMessage('per_call_usd') })
  per_call_usd?: string;

  @IsOptional() @Matches(RATE, { message: rateMessage('per_second_usd') })
  per_second_usd?: string;
}

export class RemovePriceQuery {
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') })
  effective_from: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  expected_version?: number;
}

/** `POST /v1/pricing/preview`: a change to try without making it. */
export class PreviewBody {
  @IsIn(['set', 'remove'])
  action: 'set' | 'remove';

  @IsOptional() @IsString() @Length(1, 200)
  model?: string;

  @IsOptional() @IsString() @Length(1, 128)
  tool?: string;

  /** For `set`: a ModelPriceBody (with `model`) or a ToolPriceBody (with `tool`). */
  @IsOptional()
  price?: Record<string, unknown>;

  /** For `remove`: the row to remove. */
  @IsOptional() @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') })
  effective_from?: string;
}
