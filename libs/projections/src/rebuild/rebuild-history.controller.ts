import { Controller, Get, Inject, Query } from '@nestjs/common';
import { AdminOnly } from '@ledger/auth';
import { PG_POOL } from '@ledger/database';
import { ApiV1Errors } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Pool } from 'pg';
import { RebuildDoc } from './projections-admin.controller';
import { recentRebuilds } from './rebuild-requests';

const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

export class RebuildHistoryQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 20 })
  @IsOptional() @Transform(toInteger) @IsInt({ message: 'limit must be an integer' }) @Min(1, { message: 'limit must be >= 1' }) @Max(200, { message: 'limit must be <= 200' })
  limit = 20;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page.', pattern: '^\\d{1,9}$' })
  @IsOptional() @Matches(/^\d{1,9}$/, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

class RebuildHistoryResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: [RebuildDoc], description: 'Newest first: running, pending, done, failed and merged ones alike.' }) data: RebuildDoc[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) next_cursor: string | null;
}

/** Every rebuild asked for, with its outcome: GET /v1/admin/projections shows only the running or latest one. */
@ApiTags('admin')
@ApiV1Errors(400, 401, 403)
@Controller('v1/admin/projections/rebuilds')
@AdminOnly()
export class RebuildHistoryController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The rebuilds, newest first, with progress, rate and ETA (admin key only)' })
  @ApiOkResponse({ type: RebuildHistoryResponse })
  async list(@Query() q: RebuildHistoryQuery) {
    const rows = await recentRebuilds(this.pool, q.limit + 1, q.cursor === undefined ? undefined : Number(q.cursor));
    const last = rows.length > q.limit ? rows[q.limit - 1] : undefined;
    return { success: true, data: rows.slice(0, q.limit), next_cursor: last ? String(last.id) : null };
  }
}
