import { Controller, Get } from '@nestjs/common';
import { Public } from '@ledger/auth';
import { formatPosition } from '@ledger/event-store';
import { ProjectionWatermark } from '@ledger/projections';

@Controller('health')
export class HealthController {
  constructor(private readonly watermark: ProjectionWatermark) {}

  /** Liveness and readiness: answers once the database is reachable. */
  @Get()
  @Public()
  async health() {
    const position = await this.watermark.position();
    return { status: 'ok', projection_position: position ? formatPosition(position) : null };
  }
}
