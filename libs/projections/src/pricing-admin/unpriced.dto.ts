import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { WORKSPACE_ID, WORKSPACE_ID_MESSAGE } from '@ledger/auth';
import { IsPossibleInstant } from '@ledger/http';
import { USAGE_CLASSES, UsageClass } from '@ledger/pricing';
import { UNPRICED_REASONS } from './unpriced.query';

/**
 * An inclusive bound: at most millisecond precision, as usage is stored, so the bound is never rounded
 * (rounding an inclusive bound changes the answer). The same form the /v1/cost ranges accept.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;
const instantMessage = (field: string) =>
  `${field} must be an ISO-8601 date-time with a timezone and at most millisecond precision, e.g. 2026-04-01T00:00:00Z`;
const bound = (field: 'from' | 'to') => [
  ApiPropertyOptional({ type: 'string', format: 'date-time', pattern: ISO_INSTANT.source, description: 'ISO-8601 date-time with a timezone, inclusive.' }),
  IsOptional(),
  Matches(ISO_INSTANT, { message: instantMessage(field) }),
  IsPossibleInstant(),
];
const apply = (target: object, key: string, decorators: PropertyDecorator[]) => [...decorators].reverse().forEach((d) => d(target, key));

/** `from` and `to`: the calls made in that range (each bound optional). */
export class UnpricedRangeQuery {
  from?: string;
  to?: string;
}
apply(UnpricedRangeQuery.prototype, 'from', bound('from'));
apply(UnpricedRangeQuery.prototype, 'to', bound('to'));

export class WorkspaceUnpricedQuery extends UnpricedRangeQuery {
  @ApiPropertyOptional({ type: 'string', pattern: WORKSPACE_ID.source, description: 'Admin key only: the workspace to read. Ignored for workspace keys, which read their own.' })
  @IsOptional() @Matches(WORKSPACE_ID, { message: WORKSPACE_ID_MESSAGE })
  workspace_id?: string;
}

class WorkspaceCalls {
  @ApiProperty() workspace_id: string;
  @ApiProperty({ type: 'integer' }) calls: number;
}

const REASONS_DOC =
  '`unresolved`: no catalog model matches the name; `no_price_then`: it resolves, but no price row of that model is in force at those instants; ' +
  '`partial`: a row prices the call, but not a class it used (e.g. web search on a row without a `web_search` rate). ' +
  "A name's calls unpriced for different reasons are one entry per reason.";

/** One model name as sent (with its provider) whose calls are unpriced, for one reason. */
export class UnpricedModelDoc {
  @ApiProperty({ description: 'The model name as the calls sent it.' }) model: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The provider as the calls sent it; null when they named none.' }) provider: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The catalog model the name resolves to; null when none does.' }) resolved_model: string | null;
  @ApiProperty({ enum: UNPRICED_REASONS, description: REASONS_DOC }) reason: string;
  @ApiProperty({
    type: [String],
    description: `With \`partial\`: the classes the calls used that the row in force has no rate for (${USAGE_CLASSES.filter((c: UsageClass) => c.whenMissing === 'unpriced').map((c) => `\`${c.key}\``).join(', ')}); otherwise empty.`,
  })
  missing_rates: string[];
  @ApiProperty({ type: 'integer', description: 'Unpriced TokenUsed calls.' }) calls: number;
  @ApiProperty({ format: 'date-time', description: 'The first unpriced call (in the range).' }) first_seen: string;
  @ApiProperty({ format: 'date-time', description: 'The last unpriced call (in the range).' }) last_seen: string;
  @ApiProperty({ description: 'How to price these calls, in one sentence. A price or alias set, or a catalog imported, restates them.' }) hint: string;
}
for (const c of USAGE_CLASSES as readonly UsageClass[]) {
  ApiProperty({ type: 'integer', description: `Summed over the calls. ${c.description}` })(UnpricedModelDoc.prototype, c.field);
}

export class AdminUnpricedModelDoc extends UnpricedModelDoc {
  @ApiProperty({ type: [WorkspaceCalls], description: 'The workspaces affected, with their unpriced calls, most first.' }) workspaces: WorkspaceCalls[];
}

class UnpricedData {
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) from: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) to: string | null;
}

class AdminUnpricedData extends UnpricedData {
  @ApiProperty({ type: [AdminUnpricedModelDoc], description: 'Most calls first.' }) models: AdminUnpricedModelDoc[];
}

/** A key as the Stevora routes (/v1/cost/…) spell it. */
export const camelCase = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** UnpricedModelDoc as the /v1/cost family spells it: the same fields, camelCase. */
export class StevoraUnpricedModelDoc {
  @ApiProperty({ description: 'The model name as the calls sent it.' }) model: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The provider as the calls sent it; null when they named none.' }) provider: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The catalog model the name resolves to; null when none does.' }) resolvedModel: string | null;
  @ApiProperty({ enum: UNPRICED_REASONS, description: REASONS_DOC }) reason: string;
  @ApiProperty({ type: [String], description: 'With `partial`: the classes the calls used that the row in force has no rate for; otherwise empty.' }) missingRates: string[];
  @ApiProperty({ type: 'integer', description: 'Unpriced TokenUsed calls.' }) calls: number;
  @ApiProperty({ format: 'date-time', description: 'The first unpriced call (in the range).' }) firstSeen: string;
  @ApiProperty({ format: 'date-time', description: 'The last unpriced call (in the range).' }) lastSeen: string;
  @ApiProperty({ description: 'How to price these calls, in one sentence.' }) hint: string;
}
for (const c of USAGE_CLASSES as readonly UsageClass[]) {
  ApiProperty({ type: 'integer', description: `Summed over the calls. ${c.description}` })(StevoraUnpricedModelDoc.prototype, camelCase(c.field));
}

class WorkspaceUnpricedData extends UnpricedData {
  @ApiProperty() workspaceId: string;
  @ApiProperty({ type: [StevoraUnpricedModelDoc], description: 'Most calls first.' }) models: StevoraUnpricedModelDoc[];
}

export class AdminUnpricedResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: AdminUnpricedData }) data: AdminUnpricedData;
}

export class WorkspaceUnpricedResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: WorkspaceUnpricedData }) data: WorkspaceUnpricedData;
}
