import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiV1Errors } from '@ledger/http';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiKeysService } from './api-keys.service';
import { AdminOnly } from './principal';
import { WORKSPACE_ID, WORKSPACE_ID_MESSAGE } from './workspace-id';

/** A week: long enough to roll a secret out to every runtime, short enough that a leaked old one dies soon. */
const MAX_GRACE_SECONDS = 604_800;
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

export class CreateApiKeyBody {
  /** Letters, digits, `_`, `-` and `.`; the tenant boundary every read and write is confined to. */
  @ApiProperty({ pattern: WORKSPACE_ID.source, example: 'ws_acme' })
  @Matches(WORKSPACE_ID, { message: WORKSPACE_ID_MESSAGE })
  workspace_id: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'runtime' })
  @IsString() @Length(1, 128)
  name: string;
}

export class ListApiKeysParams {
  @ApiPropertyOptional({ pattern: WORKSPACE_ID.source, description: 'Only this workspace’s keys.' })
  @IsOptional() @Matches(WORKSPACE_ID, { message: WORKSPACE_ID_MESSAGE })
  workspace_id?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  // class-validator checks the decorator nearest the field first: the type, then its range.
  @IsOptional() @Transform(toInteger) @Max(200, { message: 'limit must be <= 200' }) @Min(1, { message: 'limit must be >= 1' }) @IsInt({ message: 'limit must be an integer' })
  limit = 50;

  @ApiPropertyOptional({ maxLength: 512, description: 'The `next_cursor` of the previous page.' })
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

export class RotateApiKeyBody {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_GRACE_SECONDS,
    default: 0,
    description: 'How long the secrets being replaced keep working. 0: refused at once.',
  })
  @IsOptional() @Max(MAX_GRACE_SECONDS, { message: `grace_seconds must be <= ${MAX_GRACE_SECONDS} (a week)` })
  @Min(0, { message: 'grace_seconds must be >= 0' }) @IsInt({ message: 'grace_seconds must be an integer' })
  grace_seconds = 0;
}

export class IssuedKeyData {
  @ApiProperty({ example: 'key_3f2a9c0d1e4b5a67' }) id: string;
  @ApiProperty({ description: 'Shown only now; only its hash is stored.' }) key: string;
  @ApiProperty() workspace_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class IssuedKeyResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: IssuedKeyData }) data: IssuedKeyData;
}

export class RotatedKeyData extends IssuedKeyData {
  @ApiProperty({ format: 'date-time', description: 'Until when the replaced secrets keep working.' }) previous_key_valid_until: string;
}

export class RotatedKeyResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: RotatedKeyData }) data: RotatedKeyData;
}

export class ApiKeyData {
  @ApiProperty({ example: 'key_3f2a9c0d1e4b5a67' }) id: string;
  @ApiProperty() workspace_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Accurate to a minute; null if never used.' })
  last_used_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) revoked_at: string | null;
}

export class ApiKeyResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: ApiKeyData }) data: ApiKeyData;
}

export class ApiKeyListResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: [ApiKeyData], description: 'Newest first, revoked keys included.' }) data: ApiKeyData[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) next_cursor: string | null;
}

const KEY_ID_PARAM = ApiParam({ name: 'id', example: 'key_3f2a9c0d1e4b5a67' });

@ApiTags('admin')
@ApiV1Errors(401, 403)
@Controller('v1/admin/api-keys')
@AdminOnly()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue a workspace API key (admin key only)' })
  @ApiCreatedResponse({ type: IssuedKeyResponse })
  @ApiV1Errors(400)
  async create(@Body() body: CreateApiKeyBody) {
    return { success: true, data: await this.keys.issue(body.workspace_id, body.name) };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, never their secrets (admin key only)' })
  @ApiOkResponse({ type: ApiKeyListResponse })
  @ApiV1Errors(400)
  async list(@Query() params: ListApiKeysParams) {
    const page = await this.keys.list({ workspaceId: params.workspace_id, limit: params.limit, cursor: params.cursor });
    return { success: true, data: page.items, next_cursor: page.nextCursor ?? null };
  }

  @Delete(':id')
  @HttpCode(200)
  @KEY_ID_PARAM
  @ApiOperation({ summary: 'Revoke an API key: refused on every replica within a second (admin key only). Idempotent.' })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiV1Errors(404)
  async revoke(@Param('id') id: string) {
    return { success: true, data: await this.keys.revoke(id) };
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @KEY_ID_PARAM
  @ApiOperation({ summary: 'Give an API key a new secret, shown once; the old one works for grace_seconds more (admin key only)' })
  @ApiOkResponse({ type: RotatedKeyResponse })
  @ApiV1Errors(400, 404, 409)
  async rotate(@Param('id') id: string, @Body() body: RotateApiKeyBody) {
    return { success: true, data: await this.keys.rotate(id, body.grace_seconds) };
  }
}
