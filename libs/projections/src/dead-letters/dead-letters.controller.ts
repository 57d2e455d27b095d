import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { AdminOnly } from '@ledger/auth';
import { PG_POOL } from '@ledger/database';
import { EVENT_STORE, EventStore } from '@ledger/event-store';
import { PricingCatalog } from '@ledger/pricing';
import { ApiV1Errors, NotFoundError } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Pool } from 'pg';
import { DeadLetter, listDeadLetters } from './dead-letters';
import { retryDeadLetter } from './retry-dead-letter';

const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class DeadLettersQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional() @Transform(toInteger) @IsInt({ message: 'limit must be an integer' }) @Min(1, { message: 'limit must be >= 1' }) @Max(500, { message: 'limit must be <= 500' })
  limit = 50;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page.', pattern: '^\\d{1,15}$' })
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'Also list dead letters a retry or a rebuild has resolved.' })
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'include_resolved must be true or false' })
  include_resolved = false;
}

export class DeadLetterParams {
  @ApiProperty({ pattern: '^\\d{1,15}$' })
  @Matches(/^\d{1,15}$/, { message: 'id must be a dead letter id' })
  id: string;
}

export class DeadLetterDoc implements DeadLetter {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'costs' }) projection: string;
  @ApiProperty({ description: 'The event\'s position in the log.', example: '812-3' }) position: string;
  @ApiProperty() stream_id: string;
  @ApiProperty({ description: 'The event\'s id in the log.' }) log_event_id: string;
  @ApiProperty({ example: 'SessionFinalized' }) event_type: string;
  @ApiProperty({ type: 'string', nullable: true }) workspace_id: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The event_id the client sent.' }) event_id: string | null;
  @ApiProperty({ description: 'What PostgreSQL said, the last time it failed.', example: 'value "3000000000" is out of range for type integer' }) error: string;
  @ApiProperty({ type: 'string', nullable: true, example: '22003' }) sqlstate: string | null;
  @ApiProperty({ description: 'How many times it failed: the projector, each rebuild and each retry.' }) failures: number;
  @ApiProperty({ format: 'date-time' }) first_failed_at: string;
  @ApiProperty({ format: 'date-time' }) last_failed_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When a retry or a replay of the log applied it; null while unresolved.' })
  resolved_at: string | null;
}

class DeadLetterPage {
  @ApiProperty({ type: [DeadLetterDoc] }) dead_letters: DeadLetterDoc[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) next_cursor: string | null;
}

class DeadLetterPageResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: DeadLetterPage }) data: DeadLetterPage;
}

class DeadLetterResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: DeadLetterDoc }) data: DeadLetterDoc;
}

class RetryAllResult {
  @ApiProperty({ description: 'Unresolved dead letters retried.' }) retried: number;
  @ApiProperty({ description: 'Of those, applied now.' }) resolved: number;
  @ApiProperty({ description: 'Of those, failing still (each with its new error).' }) failing: number;
}

class RetryAllResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: RetryAllResult }) data: RetryAllResult;
}

/** Events a projection skipped because PostgreSQL refused them (ADR 0014): listed, and applied again on request. */
@ApiTags('admin')
@ApiV1Errors(401, 403)
@Controller('v1/admin/dead-letters')
@AdminOnly()
export class DeadLettersController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly catalog: PricingCatalog,
  ) {}

  @Get()
  @ApiV1Errors(400)
  @ApiOperation({ summary: 'Dead-lettered events, oldest first: unresolved ones unless include_resolved=true' })
  @ApiOkResponse({ type: DeadLetterPageResponse })
  async list(@Query() q: DeadLettersQuery) {
    const page = await listDeadLetters(this.pool, { limit: q.limit + 1, after: q.cursor ? Number(q.cursor) : undefined, includeResolved: q.include_resolved });
    const more = page.length > q.limit;
    const shown = more ? page.slice(0, q.limit) : page;
    return { success: true, data: { dead_letters: shown, next_cursor: more ? String(shown[shown.length - 1].id) : null } };
  }

  @Post('retry')
  @HttpCode(200)
  @ApiV1Errors(409)
  @ApiOperation({ summary: 'Apply every unresolved dead-lettered event again, read from the log, with the current code and prices' })
  @ApiOkResponse({ type: RetryAllResponse })
  async retryAll() {
    let retried = 0;
    let resolved = 0;
    let after = 0;
    for (;;) {
      const page = await listDeadLetters(this.pool, { limit: 100, after });
      if (!page.length) break;
      for (const letter of page) {
        retried++;
        if ((await retryDeadLetter(this.store, this.pool, letter.id, (v) => this.catalog.at(v)))?.resolved_at) resolved++;
      }
      after = page[page.length - 1].id;
    }
    return { success: true, data: { retried, resolved, failing: retried - resolved } };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiV1Errors(400, 404, 409)
  @ApiOperation({ summary: 'Apply one dead-lettered event again; resolved on success, else it stays with the new error' })
  @ApiOkResponse({ type: DeadLetterResponse })
  async retry(@Param() params: DeadLetterParams) {
    const letter = await retryDeadLetter(this.store, this.pool, Number(params.id), (v) => this.catalog.at(v));
    if (!letter) throw new NotFoundError('dead letter', 'id');
    return { success: true, data: letter };
  }
}
