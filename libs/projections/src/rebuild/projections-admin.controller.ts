import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { AdminOnly } from '@ledger/auth';
import { PG_POOL } from '@ledger/database';
import { ApiV1Errors } from '@ledger/http';
import { PricingCatalog } from '@ledger/pricing';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Pool } from 'pg';
import { ProjectionHealth } from '../projection-health';
import { recentRebuilds, RebuildSource, requestRebuild } from './rebuild-requests';

const LAG_SCAN_LIMIT = 10_000;

export class RebuildBody {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @IsString() @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({
    enum: ['facts', 'log'],
    default: 'facts',
    description: 'facts: restate every cost from the read model\'s own facts (fast). log: replay the event log from its start, to repair a read model you do not trust.',
  })
  @IsOptional() @IsIn(['facts', 'log'], { message: 'source must be "facts" or "log"' })
  source?: RebuildSource;
}

export class RebuildDoc {
  @ApiProperty() id: number;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['facts', 'log'], description: 'What it restates from (a merged request that asked for the log makes the rebuild replay it).' }) source: string;
  @ApiProperty({ enum: ['pending', 'running', 'done', 'failed', 'merged'] }) state: string;
  @ApiProperty({ format: 'date-time' }) requested_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) finished_at: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) catalog_version: number | null;
  @ApiProperty({ description: 'Events restated so far. A rebuild from the facts re-sums all of them at once, so there it is the share of its statements finished, in events.' }) done: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Usage events in the log when the rebuild started (for an EventStoreDB log: events the live projection had applied then).' }) total: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) rate_per_s: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) eta_s: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) merged_into: number | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
}

export class ProjectorStallDoc {
  @ApiProperty({ description: 'The checkpoint it resumes from, and fails at.' }) position: string;
  @ApiProperty() error: string;
  @ApiProperty({ type: 'string', nullable: true }) sqlstate: string | null;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty() attempts: number;
}

class PartitionHolderDoc {
  @ApiProperty({ description: "The holding process's connection application_name (set it per process with ?application_name= in DATABASE_URL)." })
  application_name: string;
  @ApiProperty({ description: 'Its backend pid on the PostgreSQL server.' }) pid: number;
  @ApiProperty({ type: 'string', nullable: true }) client_addr: string | null;
}

class PartitionStatusDoc {
  @ApiProperty() partition: number;
  @ApiProperty() position: string;
  @ApiProperty({ description: 'Events its batches applied (where one process holds every partition, its batches count on the first).' })
  events_applied: number;
  @ApiProperty({ description: 'Usage events of its workspaces after its checkpoint, counted among the first 10,000 after the least checkpoint.' })
  lag_events: number;
  @ApiProperty() lag_seconds: number;
  @ApiProperty({ type: PartitionHolderDoc, nullable: true, description: 'The projector process holding its lease; null while none does.' })
  holder: PartitionHolderDoc | null;
}

class ProjectionStatusDoc {
  @ApiProperty({ example: 'costs' }) name: string;
  @ApiProperty({ enum: ['live', 'catching-up', 'rebuilding'] }) state: string;
  @ApiProperty({ type: 'string', nullable: true }) position: string | null;
  @ApiProperty() events_applied: number;
  @ApiProperty() lag_events: number;
  @ApiProperty({ description: 'True when lag_events stopped counting at 10,000.' }) lag_events_capped: boolean;
  @ApiProperty() lag_seconds: number;
  @ApiProperty({ description: 'The catalog version the read model is priced with, throughout.' }) pricing_version: number;
  @ApiProperty({
    description:
      'The pricing catalog\'s latest version. Above pricing_version while a change that reprices recorded usage waits for its rebuild (or, before the next batch, one that reprices nothing).',
  })
  catalog_version: number;
  @ApiProperty() pending_rebuilds: number;
  @ApiProperty({ type: RebuildDoc, nullable: true }) rebuild: RebuildDoc | null;
  @ApiProperty({ description: 'Events skipped because the read model could not store them, not yet resolved (GET /v1/admin/dead-letters).' })
  dead_letters: number;
  @ApiProperty({ type: ProjectorStallDoc, nullable: true, description: 'Set while the live projector fails the same batch again and again (as seen by the instance that runs it).' })
  stall: ProjectorStallDoc | null;
  @ApiProperty({
    type: [PartitionStatusDoc],
    description: 'The live projection by partition (LEDGER_PROJECTION_PARTITIONS, ADR 0026): position, lag and holder. position above is the least partition\'s, and lag_events counts every usage event after it (some of which partitions ahead of it have applied).',
  })
  partitions: PartitionStatusDoc[];
}

class ProjectionsResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: [ProjectionStatusDoc] }) data: ProjectionStatusDoc[];
}

class RebuildQueued {
  @ApiProperty() rebuild_id: number;
  @ApiProperty({ enum: ['pending'] }) state: string;
}

class RebuildQueuedResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: RebuildQueued }) data: RebuildQueued;
}

@ApiTags('admin')
@ApiV1Errors(401, 403)
@Controller('v1/admin/projections')
@AdminOnly()
export class ProjectionsAdminController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly catalog: PricingCatalog,
    private readonly health: ProjectionHealth,
  ) {}

  /** Every projection's position, lag and state, with its current or last rebuild. */
  @Get()
  @ApiOkResponse({ type: ProjectionsResponse })
  async status() {
    const lag = await this.health.lag(LAG_SCAN_LIMIT);
    const { count: deadLetters } = await this.health.deadLetters(0);
    const rebuilds = await recentRebuilds(this.pool, 5);
    const running = rebuilds.find((r) => r.state === 'running');
    const pending = rebuilds.filter((r) => r.state === 'pending').length;
    return {
      success: true,
      data: [
        {
          name: 'costs',
          state: running ? 'rebuilding' : lag.lag_events ? 'catching-up' : 'live',
          ...lag,
          catalog_version: (await this.catalog.refresh()).version,
          pending_rebuilds: pending,
          rebuild: running ?? rebuilds[0] ?? null,
          dead_letters: deadLetters,
          stall: await this.health.stall(),
          partitions: await this.health.partitions(LAG_SCAN_LIMIT),
        },
      ],
    };
  }

  /** Queues a full blue/green rebuild; progress shows in GET /v1/admin/projections. */
  @Post('rebuild')
  @HttpCode(202)
  @ApiV1Errors(400)
  @ApiOperation({ summary: 'Queue a full blue/green rebuild of the cost projections' })
  @ApiAcceptedResponse({ type: RebuildQueuedResponse })
  async rebuild(@Body() body: RebuildBody) {
    const id = await requestRebuild(this.pool, body.reason ?? 'requested by an operator', body.source);
    return { success: true, data: { rebuild_id: id, state: 'pending' } };
  }
}
