import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
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
export const RATE = /^\d{1,9}(\.\d{1,12})?$/;
const rateMessage = (field: string) => `${field} must be a decimal string with up to 12 fractional digits, e.g. "2.50"`;
/** A multiplier of a cost: a RATE greater than 0 (a price that is free is a rate of 0, said as such). */
export const MULTIPLIER = /^(?=[\d.]*[1-9])\d{1,9}(\.\d{1,12})?$/;
const multiplierMessage = (field: string) => `${field} must be a decimal multiplier greater than 0 with up to 12 fractional digits, e.g. "0.5"`;
export const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
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

/** The limit of an import's body: the shipped snapshot is about 0.5 MB, and a catalog may grow several times over. */
export const CATALOG_IMPORT_BODY_LIMIT = '16mb';

/**
 * `POST /v1/pricing/catalog/import`. The catalog is checked by hand (catalogFileProblems): its match rules nest
 * as a union, and a file of 1,500 rows wants its problems named by index (`catalog.rows[12].rates.input`).
 */
export class CatalogImportBody {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'A catalog file, as `libs/pricing/catalog/genai-prices.snapshot.json`: `source` {name, version, sha256}, `providers` ' +
      '(id, name, aliases, provider_match, model_match, fallback_model_providers, pricing_urls, models [{model, match}]; a match ' +
      'rule is one of equals, starts_with, ends_with, contains, regex, or an `or`/`and` of rules), `rows` (price rows, each with ' +
      "the `provider` of the file it belongs to and a model `provider/id`), optionally `description` and `not_imported`. " +
      `At most ${CATALOG_IMPORT_BODY_LIMIT} as JSON.`,
  })
  @IsObject({ message: 'catalog must be a catalog file (an object)' })
  catalog: Record<string, unknown>;

  @ApiPropertyOptional({ default: false, description: 'Record the import (one catalog version) and queue its rebuild; absent or false: a dry run.' })
  @IsOptional() @IsBoolean()
  apply?: boolean;

  @ApiPropertyOptional({ maxLength: 500, description: 'Why: recorded with the import. Required with `apply`.' })
  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;

  /** Optimistic concurrency: the catalog version the diff was read against. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional() @IsInt() @Min(0)
  expected_version?: number;
}

class CatalogRowDoc extends ModelPriceRow {
  @ApiPropertyOptional({ description: "The provider whose catalog the row belongs to; absent: the operator's own row." }) provider?: string;
}

class RowDifferenceDoc {
  @ApiProperty({ example: 'rates.input', description: 'The path of the value in the row: `rates.<class>`, `tiers[<threshold>].rates.<class>`, `modifiers.<field>.<value>`, `effective_to`, `aliases`.' })
  field: string;
  @ApiPropertyOptional({ example: '3', description: 'Absent: the row had none.' }) before?: string;
  @ApiPropertyOptional({ example: '2.5', description: 'Absent: the row will have none.' }) after?: string;
}

class ChangedRowDoc {
  @ApiProperty({ type: CatalogRowDoc }) before: CatalogRowDoc;
  @ApiProperty({ type: CatalogRowDoc }) after: CatalogRowDoc;
  @ApiProperty({ type: [RowDifferenceDoc], description: 'Only what differs, decimals compared by value.' }) differences: RowDifferenceDoc[];
}

class ProvidersDiffDoc {
  @ApiProperty({ type: [String] }) added: string[];
  @ApiProperty({ type: [String] }) removed: string[];
  @ApiProperty({ type: [String], description: 'Any field, a match rule, or the order of its models.' }) changed: string[];
  @ApiProperty({ description: 'The providers both have are in another order: a call that names no provider goes to the first that claims its model.' })
  reordered: boolean;
}

class CatalogDiffDoc {
  @ApiProperty({ type: [CatalogRowDoc], description: 'Rows (by model and effective_from) the catalog does not have.' }) added: CatalogRowDoc[];
  @ApiProperty({ type: [ChangedRowDoc] }) changed: ChangedRowDoc[];
  @ApiProperty({ type: [CatalogRowDoc], description: "The catalog's provider rows the file no longer has; the operator's own rows are never removed." })
  removed: CatalogRowDoc[];
  @ApiProperty({ type: ProvidersDiffDoc }) providers: ProvidersDiffDoc;
}

class SourceDoc {
  @ApiProperty({ example: '@pydantic/genai-prices' }) name: string;
  @ApiProperty({ example: '0.1.8' }) version: string;
  @ApiProperty({ description: "The SHA-256 of the source's own price data." }) sha256: string;
}

class CurrentSourceDoc extends SourceDoc {
  @ApiProperty({ description: 'The SHA-256 of the imported file’s providers and rows.' }) catalog_sha256: string;
  @ApiProperty({ description: 'The catalog version the import made.' }) catalog_version: number;
}

class ImportedFileDoc {
  @ApiProperty({ type: SourceDoc }) source: SourceDoc;
  @ApiProperty({ description: 'The SHA-256 of its providers and rows, recorded with the version that imports it.' }) sha256: string;
  @ApiProperty() providers: number;
  @ApiProperty() rows: number;
  @ApiProperty({ description: 'Models of the source the file does not price (its conversion report).' }) not_imported: number;
}

class WorkspacePreviewDoc {
  @ApiProperty() workspace_id: string;
  @ApiProperty() events: number;
  @ApiProperty({ example: '12.5' }) before_usd: string;
  @ApiProperty() after_usd: string;
  @ApiProperty() delta_usd: string;
  @ApiProperty() unpriced_before: number;
  @ApiProperty() unpriced_after: number;
}

class ImportPreviewDoc {
  @ApiProperty({ type: Impact }) affected: Impact;
  @ApiProperty({ type: PreviewTotals }) totals: PreviewTotals;
  @ApiProperty({ type: [WorkspacePreviewDoc], description: 'The restatement per workspace, by workspace id.' }) workspaces: WorkspacePreviewDoc[];
  @ApiProperty({ type: [PreviewLineDoc], description: 'Per workspace and model name as sent.' }) lines: PreviewLineDoc[];
}

class AppliedImportDoc extends PricingChangeData {
  @ApiProperty({ description: 'False: the file changes nothing (same rows, providers and source), so no version was recorded.' }) recorded: boolean;
}

class CatalogImportData {
  @ApiProperty({ description: 'The catalog version the diff and preview were computed against.' }) catalog_version: number;
  @ApiProperty({ type: CurrentSourceDoc, nullable: true, description: 'The file the catalog last imported.' }) current_source: CurrentSourceDoc | null;
  @ApiProperty({ type: ImportedFileDoc }) file: ImportedFileDoc;
  @ApiProperty({ type: CatalogDiffDoc }) diff: CatalogDiffDoc;
  @ApiProperty({ type: ImportPreviewDoc, description: 'What recording it would restate (with `apply`: what it restates).' }) preview: ImportPreviewDoc;
  @ApiProperty({ type: AppliedImportDoc, nullable: true, description: 'With `apply`: the version recorded and the rebuild queued; otherwise null.' })
  applied: AppliedImportDoc | null;
}

export class CatalogImportResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CatalogImportData }) data: CatalogImportData;
}

class CatalogFileDoc {
  @ApiProperty({ type: SourceDoc }) source: SourceDoc;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Providers with their match rules, in resolution order.' })
  providers: Record<string, unknown>[];
  @ApiProperty({ type: [CatalogRowDoc] }) rows: CatalogRowDoc[];
}

class CatalogSourceData {
  @ApiProperty() version: number;
  @ApiProperty({ type: CurrentSourceDoc, nullable: true, description: 'The file the catalog last imported; null: none yet.' }) source: CurrentSourceDoc | null;
  @ApiProperty({
    type: CatalogFileDoc, nullable: true,
    description: "The catalog's provider rows and providers as a catalog file (what `POST /v1/pricing/catalog/import` takes); null until a file was imported.",
  })
  file: CatalogFileDoc | null;
}

export class CatalogSourceResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CatalogSourceData }) data: CatalogSourceData;
}

class ProviderDoc {
  @ApiProperty({ example: 'anthropic', description: 'What `provider` on a `TokenUsed` should say.' }) id: string;
  @ApiProperty({ example: 'Anthropic' }) name: string;
  @ApiProperty({ type: [String], example: ['bedrock'], description: 'Other names accepted for it.' }) aliases: string[];
  @ApiProperty({ type: [String] }) pricing_urls: string[];
  @ApiProperty({ description: 'Catalog models it prices.' }) models: number;
}

class ProvidersData {
  @ApiProperty() version: number;
  @ApiProperty({ type: [ProviderDoc], description: 'By id.' }) providers: ProviderDoc[];
}

export class ProvidersResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: ProvidersData }) data: ProvidersData;
}
