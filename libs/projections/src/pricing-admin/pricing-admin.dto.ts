import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { IsPossibleInstant } from '@ledger/http';

/** A per-1M-token or per-unit USD rate: up to 12 fractional digits (some rates are $0.01 per million). */
const RATE = /^\d{1,9}(\.\d{1,12})?$/;
const rateMessage = (field: string) => `${field} must be a decimal string with up to 12 fractional digits, e.g. "2.50"`;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const instantMessage = (field: string) => `${field} must be an ISO-8601 date-time with a timezone, e.g. 2025-06-10T00:00:00Z`;

export class RatesBody {
  @ApiProperty({ example: '2.50', description: 'USD per 1M uncached input tokens.' }) @Matches(RATE, { message: rateMessage('input') }) input: string;
  @ApiProperty({ example: '10.00' }) @Matches(RATE, { message: rateMessage('output') }) output: string;
  @ApiProperty({ example: '2.50' }) @Matches(RATE, { message: rateMessage('cache_creation') }) cache_creation: string;
  @ApiProperty({ example: '1.25' }) @Matches(RATE, { message: rateMessage('cache_read') }) cache_read: string;
}

export class TierBody {
  @ApiProperty({ example: 200000 })
  @IsInt() @Min(1)
  above_prompt_tokens: number;

  @ApiProperty({ type: RatesBody })
  @ValidateNested() @Type(() => RatesBody)
  rates: RatesBody;
}

class ChangeMeta {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;

  /** Optimistic concurrency: the catalog version this change was made against. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional() @IsInt() @Min(0)
  expected_version?: number;
}

export class ModelPriceBody extends ChangeMeta {
  @ApiProperty({ format: 'date-time', example: '2026-03-01T00:00:00Z' })
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') }) @IsPossibleInstant()
  effective_from: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: 'Exclusive.' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_to') }) @IsPossibleInstant()
  effective_to?: string | null;

  @ApiProperty({ type: RatesBody })
  @ValidateNested() @Type(() => RatesBody)
  rates: RatesBody;

  @ApiPropertyOptional({ type: [TierBody] })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => TierBody)
  tiers?: TierBody[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true })
  aliases?: string[];
}

export class ToolPriceBody extends ChangeMeta {
  @ApiProperty({ format: 'date-time', example: '2026-03-01T00:00:00Z' })
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') }) @IsPossibleInstant()
  effective_from: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: 'Exclusive.' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_to') }) @IsPossibleInstant()
  effective_to?: string | null;

  @ApiPropertyOptional({ example: '0.001', default: '0' })
  @IsOptional() @Matches(RATE, { message: rateMessage('per_call_usd') })
  per_call_usd?: string;

  @ApiPropertyOptional({ example: '0.0002', default: '0' })
  @IsOptional() @Matches(RATE, { message: rateMessage('per_second_usd') })
  per_second_usd?: string;
}

export class RemovePriceQuery {
  @ApiProperty({ format: 'date-time', example: '2026-03-01T00:00:00Z' })
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') }) @IsPossibleInstant()
  effective_from: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  expected_version?: number;
}

/** `POST /v1/pricing/preview`: a change to try without making it. */
export class PreviewBody {
  @ApiProperty({ enum: ['set', 'remove'] })
  @IsIn(['set', 'remove'])
  action: 'set' | 'remove';

  @ApiPropertyOptional({ description: 'The model whose price to try (or `tool`).' })
  @IsOptional() @IsString() @Length(1, 200)
  model?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @Length(1, 128)
  tool?: string;

  /** For `set`: a ModelPriceBody (with `model`) or a ToolPriceBody (with `tool`). */
  @ApiPropertyOptional({ oneOf: [{ $ref: '#/components/schemas/ModelPriceBody' }, { $ref: '#/components/schemas/ToolPriceBody' }] })
  @IsOptional()
  price?: Record<string, unknown>;

  /** For `remove`: the row to remove. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional() @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') }) @IsPossibleInstant()
  effective_from?: string;
}

class Impact {
  @ApiProperty({ description: 'Recorded events the change can reprice.' }) events: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) from: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) to: string | null;
}

class RebuildRef {
  @ApiProperty({ enum: ['queued', 'not_needed', 'disabled'] }) state: string;
  @ApiPropertyOptional() id?: number;
}

class PricingChangeData {
  @ApiProperty() catalog_version: number;
  @ApiProperty({ type: Impact }) affected: Impact;
  @ApiProperty({ type: RebuildRef }) rebuild: RebuildRef;
}

export class PricingChangeResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: PricingChangeData }) data: PricingChangeData;
}

class ModelPriceRow {
  @ApiProperty() model: string;
  @ApiPropertyOptional({ type: [String] }) aliases?: string[];
  @ApiProperty({ format: 'date-time' }) effective_from: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true }) effective_to?: string | null;
  @ApiProperty({ type: RatesBody }) rates: RatesBody;
  @ApiPropertyOptional({ type: [TierBody] }) tiers?: TierBody[];
}

class ToolPriceRow {
  @ApiProperty() tool: string;
  @ApiProperty({ format: 'date-time' }) effective_from: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true }) effective_to?: string | null;
  @ApiProperty() per_call_usd: string;
  @ApiProperty() per_second_usd: string;
}

class CatalogChange {
  @ApiProperty() version: number;
  @ApiProperty({ enum: ['PriceSet', 'PriceRemoved', 'ToolPriceSet', 'ToolPriceRemoved'] }) type: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) recorded_at: string;
}

class CatalogData {
  @ApiProperty() version: number;
  @ApiProperty({ type: [ModelPriceRow] }) models: ModelPriceRow[];
  @ApiProperty({ type: [ToolPriceRow] }) tools: ToolPriceRow[];
  @ApiProperty({ type: [CatalogChange] }) changes: CatalogChange[];
}

export class CatalogResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CatalogData }) data: CatalogData;
}

class ModelPricesData {
  @ApiProperty() version: number;
  @ApiProperty({ description: 'The model asked for: a model name or one of its aliases.' }) model: string;
  @ApiProperty({ type: [ModelPriceRow], description: 'The rows that price it (by name or alias), oldest effective_from first.' }) rows: ModelPriceRow[];
  @ApiProperty({ type: [CatalogChange], description: 'The catalog changes that named it, oldest first.' }) changes: CatalogChange[];
}

export class ModelPricesResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: ModelPricesData }) data: ModelPricesData;
}

class ToolPricesData {
  @ApiProperty() version: number;
  @ApiProperty({ type: [ToolPriceRow] }) tools: ToolPriceRow[];
  @ApiProperty({ type: [CatalogChange], description: 'The tool price changes, oldest first.' }) changes: CatalogChange[];
}

export class ToolPricesResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: ToolPricesData }) data: ToolPricesData;
}

class PreviewLineDoc {
  @ApiProperty() workspace_id: string;
  @ApiProperty({ description: 'Model, or tool.' }) model: string;
  @ApiProperty() events: number;
  @ApiProperty({ example: '0.0342' }) before_usd: string;
  @ApiProperty() after_usd: string;
  @ApiProperty() delta_usd: string;
  @ApiProperty() unpriced_before: number;
  @ApiProperty() unpriced_after: number;
}

class PreviewTotals {
  @ApiProperty() before_usd: string;
  @ApiProperty() after_usd: string;
  @ApiProperty() delta_usd: string;
}

class PreviewData {
  @ApiProperty() catalog_version: number;
  @ApiProperty({ type: Impact }) affected: Impact;
  @ApiProperty({ type: PreviewTotals }) totals: PreviewTotals;
  @ApiProperty({ type: [PreviewLineDoc] }) lines: PreviewLineDoc[];
}

export class PreviewResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: PreviewData }) data: PreviewData;
}
