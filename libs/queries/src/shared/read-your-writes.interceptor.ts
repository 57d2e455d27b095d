import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Principal } from '@ledger/auth';
import { parsePosition } from '@ledger/event-store';
import { ValidationError } from '@ledger/http';
import { ProjectionWatermark } from '@ledger/projections';
import type { Request, Response } from 'express';
import { from, Observable, switchMap } from 'rxjs';

export const READ_YOUR_WRITES_TIMEOUT_MS = 5000;

/**
 * `?after=<position>`: holds a read until the projections have applied the
 * write that returned that position (at most 5 s). A read that times out is
 * still answered, flagged with `Ledger-Consistency: stale`.
 */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  constructor(private readonly watermark: ProjectionWatermark) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const after = req.query.after;
    if (after === undefined) return next.handle();
    const position = typeof after === 'string' ? parsePosition(after) : undefined;
    if (!position) {
      throw new ValidationError([{ field: 'after', location: 'query', message: 'after must be a position returned by POST /v1/events' }]);
    }
    // A workspace key reads only its workspace: its partition having passed the write is enough (ADR 0026).
    const principal = (req as { principal?: Principal }).principal;
    const workspace = principal?.kind === 'workspace' ? principal.workspaceId : undefined;
    return from(this.watermark.waitFor(position, READ_YOUR_WRITES_TIMEOUT_MS, workspace)).pipe(
      switchMap((reached) => {
        ctx.switchToHttp().getResponse<Response>().setHeader('Ledger-Consistency', reached ? 'consistent' : 'stale');
        return next.handle();
      }),
    );
  }
}
