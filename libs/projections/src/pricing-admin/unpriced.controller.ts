import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentPrincipal, Principal, readScope } from '@ledger/auth';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { ApiV1Errors, ValidationError } from '@ledger/http';
import { DateTime } from 'luxon';
import type { Pool } from 'pg';
import { AdminUnpricedResponse, camelCase, UnpricedRangeQuery, WorkspaceUnpricedQuery, WorkspaceUnpricedResponse } from './unpriced.dto';
import { readUnpriced, UnpricedFilter, unpricedHint } from './unpriced.query';

const instant = (value: string | undefined) => (value === undefined ? undefined : DateTime.fromISO(value, { setZone: true }).toMillis());

/** The range asked for, both bounds inclusive; `from` after `to` is refused, naming `from` (as the /v1/cost ranges do). */
function range(q: UnpricedRangeQuery): Pick<UnpricedFilter, 'from' | 'to'> {
  const [from, to] = [instant(q.from), instant(q.to)];
  if (from !== undefined && to !== undefined && from > to) throw new ValidationError([{ field: 'from', location: 'query', message: 'from must not be after to' }]);
  return { from, to };
}
const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/**
 * Usage without a price, per model name as sent: what to price (PUT /v1/pricing/models/{model}, or a
 * catalog import), which then restates those calls as any price change does.
 */
@Controller('v1')
@ApiV1Errors(400, 401, 503)
export class UnpricedController {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  @Get('pricing/unpriced')
  @AdminOnly()
  @ApiTags('pricing')
  @ApiV1Errors(403)
  @ApiOperation({ summary: 'Every model name (with provider) seen without a price, why, how to fix it, and the workspaces affected' })
  @ApiOkResponse({ type: AdminUnpricedResponse })
  async all(@Query() q: UnpricedRangeQuery) {
    const filter = range(q);
    const models = await readUnpriced(this.pool, READ_MODEL_SCHEMA, filter);
    return { success: true, data: { from: iso(filter.from), to: iso(filter.to), models: models.map((m) => ({ ...m, hint: unpricedHint(m) })) } };
  }

  @Get('cost/unpriced')
  @ApiTags('stevora')
  @ApiOperation({ summary: "A workspace's model names (with provider) seen without a price, why, and how to fix it" })
  @ApiOkResponse({ type: WorkspaceUnpricedResponse })
  async workspace(@Query() q: WorkspaceUnpricedQuery, @CurrentPrincipal() p: Principal) {
    const filter = range(q);
    const workspaceId = readScope(p, q.workspace_id);
    if (workspaceId === undefined) {
      throw new ValidationError([
        { field: 'workspace_id', location: 'query', message: 'the admin key must name the workspace_id to read (GET /v1/pricing/unpriced lists every workspace)' },
      ]);
    }
    const models = await readUnpriced(this.pool, READ_MODEL_SCHEMA, { ...filter, workspaceId });
    // The /v1/cost family's spelling: the admin route's entries, camelCase.
    const stevora = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [camelCase(k), v]));
    return {
      success: true,
      data: {
        workspaceId,
        from: iso(filter.from),
        to: iso(filter.to),
        models: models.map(({ workspaces: _, ...m }) => stevora({ ...m, hint: unpricedHint(m) })),
      },
    };
  }
}
