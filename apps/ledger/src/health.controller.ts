import { Controller, Get } from '@nestjs/common';
import { Public } from '@ledger/auth';
import { formatPosition } from '@ledger/event-store';
import { ProjectionWatermark } from '@ledger/projections';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';

export class HealthResponse {
  @ApiProperty({ enum: ['ok'] }) status: string;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'How far the cost views have read the log.' }) projection_position: string | null;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly watermark: ProjectionWatermark) {}

  /** Liveness and readiness: answers once the database is reachable. */
  @Get()
  @Public()
  @ApiOkResponse({ type: HealthResponse })
  async health() {
    const position = await this.watermark.position();
    return { status: 'ok', projection_position: position ? formatPosition(position) : null };
  }
}
