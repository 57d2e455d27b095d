import { Client } from 'pg';
import { elapsedSince, now, sleep } from '../support/stats';
import { PhaseContext, PhaseOutcome, USAGE_EVENTS_SQL } from './phase-context';

export interface ProjectorResult extends PhaseOutcome {
  readonly eventsPerS: number;
  /** Usage events in the log: what the projector had to apply. */
  readonly events: number;
  /** `read_model.checkpoint.events_applied` when the checkpoint reached the head. */
  readonly eventsApplied: number;
  readonly elapsedMs: number;
}

const POLL_MS = 20;
const TIMEOUT_MS = 20 * 60_000;
/** No progress for this long, short of the head, is a stall: diagnose it rather than wait. */
const STALL_MS = 30_000;

interface Progress {
  readonly applied: number;
  /** The checkpoint is at or past the last usage event of the log. */
  readonly atHead: boolean;
  /** Events loaded by a running rebuild (an empty read model is filled by an initial-load rebuild, ADR 0012); null when none runs. */
  readonly loading: number | null;
}

/**
 * Phase 2: projector catch-up from zero. A process with LEDGER_ROLE=projector
 * starts on the full log with an empty read model; the clock runs from the
 * moment Nest reports the application started (the projector starts from a
 * bootstrap hook once it holds its lease, so process boot is not counted) until
 * the checkpoint reaches the last usage event of the log. With an empty read
 * model the service fills it with a bulk initial load (ADR 0012) and the
 * checkpoint appears when that swaps in; its progress is the rebuild's. The checkpoint's
 * position decides, not `events_applied` alone: a counter that drifts must not
 * end the phase early; the two are compared afterwards.
 */
export async function runProjectorCatchUp(ctx: PhaseContext): Promise<ProjectorResult> {
  const db = new Client({ connectionString: ctx.databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  try {
    const total = Number((await db.query<{ n: string }>(USAGE_EVENTS_SQL)).rows[0].n);
    const head = (
      await db.query<{ tx: string; pos: string }>(
        `SELECT transaction_id::text AS tx, global_position::text AS pos FROM event_log
          WHERE event_type IN ('TokenUsed', 'ToolCalled', 'SessionFinalized') ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      )
    ).rows[0];
    const progress = async (): Promise<Progress> => {
      const { rows } = await db.query<{ applied: string; at_head: boolean }>(
        `SELECT events_applied::text AS applied, (commit_pos, prepare_pos) >= ($1::numeric, $2::numeric) AS at_head
           FROM read_model.checkpoint WHERE projection = 'costs'`,
        [head.tx, head.pos],
      );
      const running = await db.query<{ done: string }>(`SELECT events_done::text AS done FROM projection_rebuilds WHERE state = 'running' ORDER BY id DESC LIMIT 1`);
      const loading = running.rows.length ? Number(running.rows[0].done) : null;
      return rows.length ? { applied: Number(rows[0].applied), atHead: rows[0].at_head, loading } : { applied: 0, atHead: false, loading };
    };
    if ((await progress()).applied !== 0) throw new Error('the read model is not empty: catch-up must start from zero');

    return await ctx.progress.step(`projector catch-up of ${total.toLocaleString('en-US')} events (LEDGER_ROLE=projector)`, async (tick) => {
      const service = await ctx.startService('projector');
      let error: string | undefined;
      let peakRssKb: number | undefined;
      let p: Progress = { applied: 0, atHead: false, loading: null };
      let elapsedMs = NaN;
      try {
        const start = await service.lineSeen(/Nest application successfully started|listening on/);
        let last = { applied: -1, at: start };
        for (;;) {
          p = await progress();
          if (p.atHead) break;
          const seen = p.loading ?? p.applied;
          // A rebuild's aggregate and index steps report no per-event progress; its own state is what a stall would show.
          if (seen !== last.applied || p.loading !== null) last = { applied: seen, at: now() };
          else if (elapsedSince(last.at) > STALL_MS) throw new Error(`stalled at ${p.applied}/${total} for ${STALL_MS / 1000} s: ${await diagnose(db)}`);
          if (elapsedSince(start) > TIMEOUT_MS) throw new Error(`catch-up did not finish within ${TIMEOUT_MS / 60_000} min (${p.applied}/${total})`);
          tick(`${seen.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events${p.loading !== null ? ' (bulk initial load)' : ''}`);
          await sleep(POLL_MS);
        }
        elapsedMs = elapsedSince(start);
      } catch (err) {
        error = (err as Error).message;
      } finally {
        peakRssKb = service.peakRssKb();
        await service.stop();
      }
      return { error, peakRssKb, eventsPerS: total / (elapsedMs / 1000), events: total, eventsApplied: p.applied, elapsedMs };
    });
  } finally {
    await db.end();
  }
}

/** Which logged events the read model lacks, and where they sit relative to the checkpoint. */
async function diagnose(db: Client): Promise<string> {
  const { rows } = await db.query<{ missing: string; positions: string | null; checkpoint: string | null }>(
    `SELECT count(*)::text AS missing,
            string_agg(e.transaction_id::text || '-' || e.global_position, ', ' ORDER BY e.transaction_id, e.global_position) FILTER (WHERE rn <= 5) AS positions,
            (SELECT commit_pos || '-' || prepare_pos FROM read_model.checkpoint WHERE projection = 'costs') AS checkpoint
       FROM (SELECT e.*, row_number() OVER (ORDER BY e.transaction_id, e.global_position) AS rn
               FROM event_log e
              WHERE e.event_type IN ('TokenUsed', 'ToolCalled', 'SessionFinalized')
                AND NOT EXISTS (SELECT 1 FROM read_model.cost_facts f
                                 WHERE f.workspace_id = e.data->>'workspace_id' AND f.event_id = e.data->>'event_id')) e`,
  );
  const r = rows[0];
  return `${r.missing} logged events are not in read_model.cost_facts (first at ${r.positions ?? '-'}; checkpoint at ${r.checkpoint ?? '-'})`;
}
