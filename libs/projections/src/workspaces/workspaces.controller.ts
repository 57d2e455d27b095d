import { Controller, Get, Inject, Query } from '@nestjs/common';
import { AdminOnly } from '@ledger/auth';
import { READ_POOL } from '@ledger/database';
import { ApiV1Errors } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Pool } from 'pg';
import { listWorkspaces, WorkspaceSummary } from './list-workspaces';

const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

export class ListWorkspacesQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 200 })
  @IsOptional() @Transform(toInteger) @IsInt({ message: 'limit must be an integer' }) @Min(1, { message: 'limit must be >= 1' }) @Max(1000, { message: 'limit must be <= 1000' })
  limit = 200;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page.', maxLength: 512 })
  @IsOptional() @IsString({ message: 'cursor must be a string' }) @MaxLength(512, { message: 'cursor is too long' })
  cursor?: string;
}

class WorkspaceDoc implements WorkspaceSummary {
  @ApiProperty({ example: 'ws_acme' }) workspace_id: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Its earliest session’s start; null when it recorded no usage.' }) first_seen: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Its latest event; null when it recorded no usage.' }) last_seen: string | null;
  @ApiProperty({ description: 'Sessions it recorded.' }) sessions: number;
  @ApiProperty({ description: 'Its keys that are not revoked.' }) keys: number;
  @ApiProperty({ description: 'Its revoked keys.' }) revoked_keys: number;
}

class WorkspacePageDoc {
  @ApiProperty({ type: [WorkspaceDoc], description: 'Most recently active first; workspaces with keys and no usage last, by id.' }) workspaces: WorkspaceDoc[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) next_cursor: string | null;
}

class WorkspacePageResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: WorkspacePageDoc }) data: WorkspacePageDoc;
}

@ApiTags('admin')
@ApiV1Errors(400, 401, 403)
@Controller('v1/admin/workspaces')
@AdminOnly()
export class WorkspacesController {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'Every workspace that recorded usage or holds a key, with its activity and keys (admin key only)' })
  @ApiOkResponse({ type: WorkspacePageResponse })
  async list(@Query() q: ListWorkspacesQuery) {
    return { success: true, data: await listWorkspaces(this.pool, q.limit, q.cursor) };
  }
}
