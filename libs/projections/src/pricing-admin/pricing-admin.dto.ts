import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { WORKSPACE_ID, WORKSPACE_ID_MESSAGE } from '@ledger/auth';
import { IsPossibleInstant } from '@ledger/http';
import { SHIPPED_CATALOG, MODIFIER_PATTERN, PRICE_MODIFIERS, PriceModifier, USAGE_CLASSES, UsageClass, UsageRates } from '@ledger/pricing';

/** A per-1M-token or per-unit USD rate: up to 12 fractional digits (some rates are $0.01 per million). */
const RATE = /^\d{1,9}(\.\d{1,12})?$/;
const rateMessage = (field: string) => `${field} must be a decimal string with up to 12 fractional digits, e.g. "2.50"`;
/** A multiplier of a cost: a RATE greater than 0 (a price that is free is a rate of 0, said as such). */
const MULTIPLIER = /^(?=[\d.]*[1-9])\d{1,9}(\.\d{1,12})?$/;
const multiplierMessage = (field: string) => `${field} must be a decimal multiplier greater than 0 with up to 12 fractional digits, e.g. "0.5"`;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const instantMessage = (field: string) => `${field} must be an ISO-8601 date-time with a timezone, e.g. 2025-06-10T00:00:00Z`;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Applies property decorators as TypeScript does for a declared field (the last one listed first). */
function decorate(target: object, key: string, ...decorators: PropertyDecorator[]): void {
  for (const d of [...decorators].reverse()) d(target, key);
}

/** A class named `name` (its OpenAPI schema's name) with no declared fields: they are decorated from the price model. */
const namedClass = <T>(name: string) => ({ [name]: class {} })[name] as unknown as new () => T;

const unitOf = (cls: UsageClass) => (cls.per === 1_000_000 ? 'USD per 1M tokens' : 'USD per 1,000 requests');
const whenMissing = (cls: UsageClass) =>
  cls.whenMissing === 'required'
    ? ''
    : cls.whenMissing === 'unpriced'
      ? ' Absent: a call that uses it is partly unpriced (`partial`), never billed $0.'
      : ` Absent: billed at the \`${cls.whenMissing.rateOf}\` rate.`;
const exampleRate = (key: string) => SHIPPED_CATALOG.rows.map((r) => (r.rates as Readonly<Record<string, string | undefined>>)[key]).find((v) => v !== undefined);

/**
 * A rate set: one property per usage class (USAGE_CLASSES), required when the class has no fallback.
 * The rates of a row and of each of its long-context tiers.
 */
export type RatesBody = Writable<UsageRates>;
export const RatesBody = namedClass<RatesBody>('RatesBody');
for (const cls of USAGE_CLASSES as readonly UsageClass[]) {
  const required = cls.whenMissing === 'required';
  const doc = { type: String, pattern: RATE.source, example: exampleRate(cls.key), description: `${unitOf(cls)}. ${cls.description}${whenMissing(cls)}` };
  decorate(
    RatesBody.prototype,
    cls.key,
    required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    ...(required ? [] : [IsOptional()]),
    Matches(RATE, { message: rateMessage(cls.key) }),
  );
}

/** A property that may not be given: `message` says why. */
const Refused = (message: string) => ValidateBy({ name: 'refused', validator: { validate: (v: unknown) => v === undefined, defaultMessage: () => message } });
const defaultRefusal = (m: PriceModifier) =>
  `modifiers.${m.field}.${m.default} is the default (list price): calls served with it are never multiplied`;

/**
 * The multipliers of one modifier by its value: a modifier with a closed list of values gets a class with one
 * property per value (so a bad one is named by its path), one with open values (a region) a record checked as one.
 */
function multipliersOf(m: PriceModifier): { type: new () => object; decorators: PropertyDecorator[] } {
  const path = `modifiers.${m.field}`;
  if (!m.values) {
    const check = (v: unknown): string | undefined => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path} must be an object of ${m.field} value → multiplier`;
      for (const [value, k] of Object.entries(v)) {
        if (!MODIFIER_PATTERN.test(value)) return `${path}.${value}: ${m.field} values are 1-32 lowercase letters, digits, _ and -, starting with a letter or digit`;
        if (value === m.default) return defaultRefusal(m);
        if (typeof k !== 'string' || !MULTIPLIER.test(k)) return multiplierMessage(`${path}.${value}`);
      }
      return undefined;
    };
    return {
      type: Object,
      decorators: [
        ApiPropertyOptional({
          type: 'object',
          additionalProperties: { type: 'string', pattern: MULTIPLIER.source },
          example: { us: '1.1' },
          description: `${m.description} By value (${MODIFIER_PATTERN.source}), the multiplier of the call's token cost; an unlisted value is 1×.`,
        }),
        IsOptional(),
        ValidateBy({ name: 'multipliers', validator: { validate: (v: unknown) => check(v) === undefined, defaultMessage: (a) => check(a?.value) ?? '' } }),
      ],
    };
  }
  const type = namedClass<object>(`${m.field.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Multipliers`);
  for (const value of m.values) {
    if (value === m.default) decorate(type.prototype, value, Refused(defaultRefusal(m)));
    else {
      decorate(
        type.prototype,
        value,
        ApiPropertyOptional({ type: String, pattern: MULTIPLIER.source, example: '0.5' }),
        IsOptional(),
        Matches(MULTIPLIER, { message: multiplierMessage(`${path}.${value}`) }),
      );
    }
  }
  return {
    type,
    decorators: [
      ApiPropertyOptional({ type, description: `${m.description} By value, the multiplier of the call's token cost; an unlisted value is 1×.` }),
      IsOptional(),
      IsObject({ message: `${path} must be an object of ${m.field} value → multiplier` }),
      ValidateNested(),
      Type(() => type),
    ],
  };
}

/**
 * A row's modifiers (PRICE_MODIFIERS): by modifier, by the value a call was served with, an exact multiplier of
 * its token cost (never of its per-request fees). Multipliers compose by product; a value not listed is 1×.
 */
export type ModifiersBody = { [field: string]: Record<string, string> | undefined };
export const ModifiersBody = namedClass<ModifiersBody>('ModifiersBody');
for (const m of PRICE_MODIFIERS as readonly PriceModifier[]) {
  const { decorators } = multipliersOf(m);
  decorate(ModifiersBody.prototype, m.field, ...decorators);
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

/** A change to an effective-dated row: from (inclusive) and to (exclusive). */
class DatedChange extends ChangeMeta {
  @ApiProperty({ format: 'date-time', example: '2026-03-01T00:00:00Z' })
  @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_from') }) @IsPossibleInstant()
  effective_from: string;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true, description: 'Exclusive.' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ISO_WITH_ZONE, { message: instantMessage('effective_to') }) @IsPossibleInstant()
  effective_to?: string | null;
}

const MODIFIERS_DOC = {
  type: ModifiersBody,
  example: { service_tier: { batch: '0.5', priority: '2' }, speed: { fast: '2' }, inference_geo: { us: '1.1' } },
  description:
    "Multipliers of a call's token cost by how it was served, composed by product; per-request fees are not multiplied. " +
    'A value the row does not list is billed at 1×.',
};

export class ModelPriceBody extends DatedChange {
  @ApiProperty({ type: RatesBody })
  @ValidateNested() @Type(() => RatesBody)
  rates: RatesBody;

  @ApiPropertyOptional({ type: [TierBody] })
  @IsOptional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => TierBody)
  tiers?: TierBody[];

  @ApiPropertyOptional(MODIFIERS_DOC)
  @IsOptional() @IsObject({ message: 'modifiers must be an object of modifier → value → multiplier' }) @ValidateNested() @Type(() => ModifiersBody)
  modifiers?: ModifiersBody;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true })
  aliases?: string[];
}

const onlyWithRates = (field: string) =>
  ValidateBy({
    name: 'onlyWithRates',
    validator: {
      validate: (v: unknown, a) => v === undefined || (a?.object as WorkspacePriceBody).multiplier === undefined,
      defaultMessage: () => `${field} go with rates, not with a multiplier (which scales the list row's ${field === 'tiers' ? 'tiers' : 'rates'} and keeps its modifiers)`,
    },
  });

/**
 * A negotiated price for one workspace: either a full price of its own (`rates`, with its own `tiers` and
 * `modifiers`: nothing is inherited from the list row) or a `multiplier` of the list row in force (every rate,
 * per-request fees included, and its tiers; the list row's modifiers still apply).
 */
export class WorkspacePriceBody extends DatedChange {
  @ApiPropertyOptional({ type: RatesBody, description: 'A full price: give exactly one of rates or multiplier.' })
  @ValidateIf((o: WorkspacePriceBody) => o.rates !== undefined || o.multiplier === undefined)
  @ValidateBy({
    name: 'exactlyOne',
    validator: {
      validate: (v: unknown, a) => (v === undefined) !== ((a?.object as WorkspacePriceBody).multiplier === undefined),
      defaultMessage: () => 'give exactly one of rates or multiplier',
    },
  })
  @ValidateNested() @Type(() => RatesBody)
  rates?: RatesBody;

  @ApiPropertyOptional({ type: [TierBody], description: 'With rates only.' })
  @IsOptional() @onlyWithRates('tiers') @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => TierBody)
  tiers?: TierBody[];

  @ApiPropertyOptional({ ...MODIFIERS_DOC, description: `${MODIFIERS_DOC.description} With rates only.` })
  @IsOptional() @onlyWithRates('modifiers') @IsObject({ message: 'modifiers must be an object of modifier → value → multiplier' })
  @ValidateNested() @Type(() => ModifiersBody)
  modifiers?: ModifiersBody;

  @ApiPropertyOptional({
    example: '0.8', pattern: MULTIPLIER.source,
    description: 'The list row in force times this: give exactly one of rates or multiplier.',
  })
  @IsOptional() @Matches(MULTIPLIER, { message: multiplierMessage('multiplier') })
  multiplier?: string;
}

export class WorkspaceParams {
  @ApiProperty({ pattern: WORKSPACE_ID.source, example: 'ws_acme' })
  @Matches(WORKSPACE_ID, { message: WORKSPACE_ID_MESSAGE })
  workspace_id: string;
}

export class WorkspaceModelParams extends WorkspaceParams {
  @ApiProperty({ description: 'A model or alias as usage names it, or `*`: every model the catalog prices (a model\'s own override wins).' })
  @IsString() @Length(1, 200)
  model: string;
}

export class ToolPriceBody extends DatedChange {
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

  @ApiPropertyOptional({ pattern: WORKSPACE_ID.source, description: "With `model`: try that workspace's negotiated price (`model` may be `*`)." })
  @IsOptional() @Matches(WORKSPACE_ID, { message: WORKSPACE_ID_MESSAGE })
  workspace_id?: string;

  /** For `set`: a ModelPriceBody (with `model`), a WorkspacePriceBody (with `workspace_id` and `model`) or a ToolPriceBody (with `tool`). */
  @ApiPropertyOptional({
    oneOf: [
      { $ref: '#/components/schemas/ModelPriceBody' },
      { $ref: '#/components/schemas/WorkspacePriceBody' },
      { $ref: '#/components/schemas/ToolPriceBody' },
    ],
  })
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
  @ApiPropertyOptional({ type: ModifiersBody }) modifiers?: ModifiersBody;
}

class WorkspacePriceRowDoc {
  @ApiProperty() workspace_id: string;
  @ApiProperty({ description: 'A model or alias, or `*`: every model the catalog prices.' }) model: string;
  @ApiProperty({ format: 'date-time' }) effective_from: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true }) effective_to?: string | null;
  @ApiPropertyOptional({ type: RatesBody, description: 'A full price of its own; absent: `multiplier`.' }) rates?: RatesBody;
  @ApiPropertyOptional({ type: [TierBody] }) tiers?: TierBody[];
  @ApiPropertyOptional({ type: ModifiersBody }) modifiers?: ModifiersBody;
  @ApiPropertyOptional({ example: '0.8', description: 'The list row in force times this; absent: `rates`.' }) multiplier?: string;
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
  @ApiProperty({ enum: ['PriceSet', 'PriceRemoved', 'ToolPriceSet', 'ToolPriceRemoved', 'WorkspacePriceSet', 'WorkspacePriceRemoved', 'CatalogImported'] }) type: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The change as recorded; a CatalogImported gives its source, hash and reason, and the counts of rows it set and removed (in a model's history: that model's rows).",
  })
  data: Record<string, unknown>;
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
  @ApiProperty({ description: 'The model asked for: a model name as usage sends it, or one of its aliases.' }) model: string;
  @ApiProperty({ description: 'The catalog model that name resolves to (`gpt-4o` → `openai/gpt-4o`), or the name itself.' }) priced_model: string;
  @ApiProperty({ type: [ModelPriceRow], description: 'The rows that price it (by name or alias), oldest effective_from first.' }) rows: ModelPriceRow[];
  @ApiProperty({ type: [CatalogChange], description: 'The catalog changes that named it, oldest first.' }) changes: CatalogChange[];
}

export class ModelPricesResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: ModelPricesData }) data: ModelPricesData;
}

class WorkspacePricesData {
  @ApiProperty() version: number;
  @ApiProperty() workspace_id: string;
  @ApiProperty({ type: [WorkspacePriceRowDoc], description: "The workspace's negotiated prices, by model, oldest effective_from first." })
  overrides: WorkspacePriceRowDoc[];
  @ApiProperty({ type: [CatalogChange], description: 'The changes to its negotiated prices, oldest first.' }) changes: CatalogChange[];
}

export class WorkspacePricesResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: WorkspacePricesData }) data: WorkspacePricesData;
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
