import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiV1Errors } from '@ledger/http';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { ApiKeysService } from './api-keys.service';
import { AdminOnly } from './principal';

export class CreateApiKeyBody {
  /** Letters, digits, `_`, `-` and `.`; the tenant boundary every read and write is confined to. */
  @ApiProperty({ pattern: '^[A-Za-z0-9_.-]{1,64}$', example: 'ws_acme' })
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'workspace_id must be 1-64 characters of letters, digits, _ - .' })
  workspace_id: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'runtime' })
  @IsString() @Length(1, 128)
  name: string;
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

@ApiTags('admin')
@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Issue a workspace API key (admin key only)' })
  @ApiCreatedResponse({ type: IssuedKeyResponse })
  @ApiV1Errors(400, 401, 403)
  async create(@Body() body: CreateApiKeyBody) {
    return { success: true, data: await this.keys.issue(body.workspace_id, body.name) };
  }
}
