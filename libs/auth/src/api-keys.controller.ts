import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { IsString, Length, Matches } from 'class-validator';
import { ApiKeysService } from './api-keys.service';
import { AdminOnly } from './principal';

export class CreateApiKeyBody {
  /** Letters, digits, `_`, `-` and `.`; the tenant boundary every read and write is confined to. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'workspace_id must be 1-64 characters of letters, digits, _ - .' })
  workspace_id: string;

  @IsString() @Length(1, 128)
  name: string;
}

@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @AdminOnly()
  async create(@Body() body: CreateApiKeyBody) {
    return { success: true, data: await this.keys.issue(body.workspace_id, body.name) };
  }
}
