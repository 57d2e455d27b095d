import { Controller, Get, Inject, Res } from '@nestjs/common';
import { Public } from '@ledger/auth';
import { MIGRATIONS, PG_POOL } from '@ledger/database';
import { formatPosition } from '@ledger/event-store';
import { ProjectionHealth, ProjectionWatermark, ProjectorStallDoc } from '@ledger/projections';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Pool } from 'pg';

/** How long readiness waits for the database before it calls it unreachable. */
const DATABASE_TIMEOUT_MS = 1000;
/** Readiness counts the events the cost views lag behind up to this many. */
const LAG_SCAN_LIMIT = 1000;
/** Dead letters named in /health: enough to act on, and the count says how many there are. */
const SHOWN = 5;

export class DeadLetteredEvent {
  @ApiProperty({ description: 'Its id in GET /v1/admin/dead-letters.' }) id: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'The event_id the client sent.' }) event_id: string | null;
  @ApiProperty() event_type: string;
  @ApiProperty({ example: 'value "3000000000" is out of range for type integer' }) error: string;
  @ApiProperty({ type: 'string', nullable: true, example: '22003' }) sqlstate: string | null;
}

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'degraded'], description: 'degraded: events are dead-lettered, or the projector is stalled; the service still serves.' })
  status: string;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'How far the cost views have read the log.' }) projection_position: string | null;
  @ApiProperty({ description: 'Unresolved dead-lettered events (ADR 0014).' }) dead_letters: number;
  @ApiProperty({ type: [DeadLetteredEvent], description: `The first ${SHOWN} of them.` }) dead_lettered: DeadLetteredEvent[];
  @ApiProperty({ type: ProjectorStallDoc, nullable: true }) projector_stall: ProjectorStallDoc | null;
}

class DatabaseCheck {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: 'integer', nullable: true }) latency_ms: number | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
}

class MigrationsCheck {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: [String], description: 'Migrations this build has that the database has not run.' }) pending: string[];
}

class ProjectorCheck {
  @ApiProperty({ enum: ['live', 'catching-up', 'rebuilding', 'stalled'] }) state: string;
  @ApiProperty({ type: 'string', nullable: true }) position: string | null;
  @ApiProperty() lag_events: number;
  @ApiProperty({ description: `True when lag_events stopped counting at ${LAG_SCAN_LIMIT}.` }) lag_events_capped: boolean;
  @ApiProperty() lag_seconds: number;
  @ApiProperty() dead_letters: number;
  @ApiProperty({ type: ProjectorStallDoc, nullable: true }) stall: ProjectorStallDoc | null;
}

class ReadinessChecks {
  @ApiProperty({ type: DatabaseCheck }) database: DatabaseCheck;
  @ApiProperty({ type: MigrationsCheck, nullable: true }) migrations: MigrationsCheck | null;
  @ApiProperty({ type: ProjectorCheck, nullable: true }) projector: ProjectorCheck | null;
}

export class ReadinessResponse {
  @ApiProperty({
    enum: ['ready', 'degraded', 'not_ready'],
    description: 'not_ready (503): the database is unreachable or not migrated. degraded (200): it serves, but the cost views miss dead-lettered events or have stalled.',
  })
  status: string;
  @ApiProperty({ type: [String], description: 'Why it is not ready or degraded; empty when ready.' }) reasons: string[];
  @ApiProperty({ type: ReadinessChecks }) checks: ReadinessChecks;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly watermark: ProjectionWatermark,
    private readonly projections: ProjectionHealth,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Liveness: the process answers. Degraded when the cost views miss events or the projector is stalled. */
  @Get()
  @Public()
  @ApiOkResponse({ type: HealthResponse })
  async health(): Promise<HealthResponse> {
    const [position, dead] = await Promise.all([this.watermark.position(), this.projections.deadLetters(SHOWN)]);
    const stall = await this.projections.stall();
    return {
      status: dead.count || stall ? 'degraded' : 'ok',
      projection_position: position ? formatPosition(position) : null,
      dead_letters: dead.count,
      // No workspace: this route needs no key.
      dead_lettered: dead.first.map(({ id, event_id, event_type, error, sqlstate }) => ({ id, event_id, event_type, error, sqlstate })),
      projector_stall: stall,
    };
  }

  /**
   * Readiness: the database answers within a second and is migrated (else 503). A stalled projector or
   * dead-lettered events make it degraded but still ready: ingest and reads work, and every replica shares
   * the same read model, so taking replicas out of service would only add an outage to a stale view.
   */
  @Get('ready')
  @Public()
  @ApiOkResponse({ type: ReadinessResponse, description: 'Ready, or degraded.' })
  @ApiResponse({ status: 503, type: ReadinessResponse, description: 'Not ready: the body says why.' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessResponse> {
    const reasons: string[] = [];
    const database = await this.pingDatabase();
    let migrations: MigrationsCheck | null = null;
    let projector: ProjectorCheck | null = null;
    if (!database.ok) reasons.push(`the database is unreachable: ${database.error}`);
    else {
      migrations = await this.migrations();
      if (!migrations.ok) reasons.push(`migrations not applied: ${migrations.pending.join(', ')}`);
      projector = await this.projector();
      if (projector.stall) reasons.push(`the projector is stalled at ${projector.stall.position} since ${projector.stall.since}: ${projector.stall.error}`);
      if (projector.dead_letters) reasons.push(`${projector.dead_letters} event(s) dead-lettered (GET /v1/admin/dead-letters)`);
    }
    const notReady = !database.ok || !migrations?.ok;
    if (notReady) res.status(503);
    return { status: notReady ? 'not_ready' : reasons.length ? 'degraded' : 'ready', reasons, checks: { database, migrations, projector } };
  }

  private async pingDatabase(): Promise<DatabaseCheck> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)), DATABASE_TIMEOUT_MS);
        }),
      ]);
      return { ok: true, latency_ms: Date.now() - started, error: null };
    } catch (err) {
      return { ok: false, latency_ms: null, error: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  private async migrations(): Promise<MigrationsCheck> {
    const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.name));
    const pending = MIGRATIONS.map((m) => new m().name).filter((name) => !applied.has(name));
    return { ok: pending.length === 0, pending };
  }

  private async projector(): Promise<ProjectorCheck> {
    const [lag, dead, rebuilding] = await Promise.all([
      this.projections.lag(LAG_SCAN_LIMIT),
      this.projections.deadLetters(0),
      this.projections.rebuildRunning(),
    ]);
    const stall = await this.projections.stall();
    const state = stall ? 'stalled' : rebuilding ? 'rebuilding' : lag.lag_events ? 'catching-up' : 'live';
    const { position, lag_events, lag_events_capped, lag_seconds } = lag;
    return { state, position, lag_events, lag_events_capped, lag_seconds, dead_letters: dead.count, stall };
  }
}
