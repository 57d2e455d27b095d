import { Client } from 'pg';
import { DataSet } from '../data/data-set';
import { HttpJson } from '../support/http-json';
import { Random } from '../support/random';
import { elapsedSince, Latency, latency, now, sleep } from '../support/stats';
import { sendBatches } from './ingest.phase';
import { PhaseOutcome } from './phase-context';
import { ROUTES } from './queries.phase';

export interface LagSample {
  /** Seconds from the first post. */
  readonly atS: number;
  /** Events answered accepted so far. */
  readonly accepted: number;
  /** `read_model.checkpoint.events_applied` (see APPLIED_SQL). */
  readonly applied: number;
}

export interface ReadUnderLoad {
  readonly latency: Latency;
  /** Answers other than 200 (404: the session is not projected yet); their time is in `latency` too. */
  readonly notFound: number;
  readonly errors: number;
}

export interface LiveResult extends PhaseOutcome {
  readonly events: number;
  readonly clients: number;
  /** Events accepted ÷ seconds from the first post to the last answer. */
  readonly ingestPerS: number;
  /** Events the live projector applied while ingest ran ÷ the same seconds. */
  readonly projectionPerS: number;
  readonly lagAtStop: number;
  /** From the last answer until the checkpoint held every event. */
  readonly drainMs: number;
  /** Every event visible in the views ÷ seconds from the first post. */
  readonly endToEndPerS: number;
  readonly ingestMs: number;
  readonly lag: readonly LagSample[];
  readonly session: ReadUnderLoad;
  readonly summary: ReadUnderLoad;
  readonly readsPerS: number;
  readonly serverErrors: number;
}

/** Where the phase sends its requests, and what it reports as the deployment's memory. */
export interface LiveTarget {
  readonly url: string;
  /** Peak RSS of the deployment's processes together, in kB. */
  peakRssKb(): number | undefined;
}

/**
 * Events the costs projection applied, read so that it holds for the code of any commit the phase runs: one
 * `checkpoint` row per schema (the single projector), or a `checkpoint` view summing the partitions' rows (ADR 0026).
 */
const APPLIED_SQL = `SELECT coalesce(sum(events_applied), 0)::text AS n FROM read_model.checkpoint WHERE projection = 'costs'`;

const SAMPLE_MS = 1000;
const DRAIN_POLL_MS = 20;
const DRAIN_TIMEOUT_MS = 10 * 60_000;
const SESSION_ID = /"session_id":"([^"]+)"/;

/**
 * The sustained live phase (issue 17): `clients` clients post the data set to the service, whose live projector
 * applies it while they post, while a reader loop asks for sessions already posted and for the 30-day summary at
 * `readsPerS`. The projector's checkpoint is sampled every second; once the clients are done, the lag left is timed
 * until it drains. The database must be fresh (the projector runs live from an empty log). The service is one
 * role=all process or an api process with projector processes beside it: the phase speaks HTTP to `service.url`
 * and reads the checkpoint, nothing else.
 */
export async function runSustainedLive(
  service: LiveTarget,
  databaseUrl: string,
  data: DataSet,
  keys: ReadonlyMap<string, string>,
  clients: number,
  tick: (line: string) => void,
  readsPerS = 20,
): Promise<LiveResult> {
  const db = new Client({ connectionString: databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  const http = new HttpJson(service.url, clients);
  const readers = new HttpJson(service.url, 4);
  const applied = async () =>
    Number((await db.query<{ n: string }>(APPLIED_SQL)).rows[0].n);
  const posted: number[] = [];
  const lag: LagSample[] = [];
  const sessionMs: number[] = [];
  const summaryMs: number[] = [];
  const reads = { session: { notFound: 0, errors: 0 }, summary: { notFound: 0, errors: 0 } };
  const summaryRoute = ROUTES.find((r) => r.name === 'GET /v1/cost/summary (30 days)')!;
  const random = new Random(`${data.seed}-live-reads`);
  let accepted = 0;
  let sending = true;
  let readsSent = 0;
  try {
    if ((await applied()) !== 0) throw new Error('the read model is not empty: the live phase needs a fresh database');
    const start = now();
    const sampler = (async () => {
      while (sending) {
        await sleep(SAMPLE_MS - (elapsedSince(start) % SAMPLE_MS));
        lag.push({ atS: elapsedSince(start) / 1000, accepted, applied: await applied() });
        const last = lag[lag.length - 1];
        tick(`${last.accepted.toLocaleString('en-US')} accepted, ${last.applied.toLocaleString('en-US')} projected, lag ${(last.accepted - last.applied).toLocaleString('en-US')}`);
      }
    })();
    // On an absolute schedule, so a slow answer does not lower the offered read rate; alternately a session and the summary.
    const reader = (async () => {
      const inFlight: Promise<void>[] = [];
      while (sending) {
        if (posted.length) {
          const batch = data.batches[posted[Math.floor(random.next() * posted.length)]];
          const key = keys.get(batch.workspace);
          const session = readsSent % 2 === 0;
          const path = session
            ? `/costs/sessions/${encodeURIComponent(SESSION_ID.exec(batch.body.subarray(0, 4096).toString('utf8'))![1])}`
            : summaryRoute.path(batch.workspace, random, data);
          inFlight.push(
            (async () => {
              const t = now();
              const res = await readers.get(path, key);
              (session ? sessionMs : summaryMs).push(elapsedSince(t));
              const counts = session ? reads.session : reads.summary;
              if (res.status === 404) counts.notFound++;
              else if (res.status !== 200) counts.errors++;
            })().catch(() => void (session ? reads.session : reads.summary).errors++),
          );
        }
        readsSent++;
        await sleep(Math.max(0, (readsSent * 1000) / readsPerS - elapsedSince(start)));
      }
      await Promise.all(inFlight);
    })();

    const totals = await sendBatches(http, data.batches, keys, clients, (index, t) => {
      accepted = t.accepted;
      posted.push(index);
    }).finally(() => (sending = false));
    const ingestMs = elapsedSince(start);
    const appliedAtStop = await applied();
    await Promise.all([sampler, reader]);
    if (totals.error) throw new Error(totals.error);

    let drained = appliedAtStop;
    while (drained < data.events) {
      if (elapsedSince(start) - ingestMs > DRAIN_TIMEOUT_MS) throw new Error(`the lag did not drain within ${DRAIN_TIMEOUT_MS / 60_000} min (${drained}/${data.events})`);
      await sleep(DRAIN_POLL_MS);
      drained = await applied();
      tick(`draining: ${drained.toLocaleString('en-US')}/${data.events.toLocaleString('en-US')} projected`);
    }
    const totalMs = elapsedSince(start);
    lag.push({ atS: totalMs / 1000, accepted: totals.accepted, applied: drained });
    const read = (samples: number[], counts: { notFound: number; errors: number }): ReadUnderLoad => ({ latency: latency(samples), ...counts });
    return {
      peakRssKb: service.peakRssKb(),
      events: data.events,
      clients,
      ingestPerS: totals.accepted / (ingestMs / 1000),
      projectionPerS: appliedAtStop / (ingestMs / 1000),
      lagAtStop: totals.accepted - appliedAtStop,
      drainMs: totalMs - ingestMs,
      endToEndPerS: data.events / (totalMs / 1000),
      ingestMs,
      lag,
      session: read(sessionMs, reads.session),
      summary: read(summaryMs, reads.summary),
      readsPerS,
      serverErrors: totals.serverErrors,
    };
  } finally {
    sending = false;
    http.close();
    readers.close();
    await db.end();
  }
}
