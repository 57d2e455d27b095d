import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IngestBatch } from '../data/data-set';
import { HttpJson } from '../support/http-json';
import { REPO_ROOT, ServiceProcess } from '../support/service-process';
import { elapsedSince, Latency, latency, now } from '../support/stats';
import { PhaseContext, PhaseOutcome, USAGE_EVENTS_SQL } from './phase-context';

export interface IngestResult extends PhaseOutcome {
  /** Distinct events stored per second: the figure comparable with a peer that stores each event once. */
  readonly eventsPerS: number;
  /** Events carried per second, re-sends and retried batches included. */
  readonly sentPerS: number;
  readonly requests: number;
  readonly retriedBatches: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly logEvents: number;
  readonly elapsedMs: number;
  /** Per `POST /v1/events` of 500 events. */
  readonly batchLatency: Latency;
  readonly clients: number;
  /** 5xx answers; the client retried the batch, as a real one would. */
  readonly serverErrors: number;
  readonly firstServerError?: string;
  /** The service's log of its server errors (stacks included), kept in a file under bench/results/ when there are any. */
  readonly serverErrorLog?: { readonly file: string; readonly lines: readonly string[] };
}

const MAX_ATTEMPTS = 4;

interface Accepted {
  readonly accepted: number;
  readonly duplicates: number;
  readonly position: string;
}

/** What a send loop carried and was answered. */
export interface SendTotals {
  accepted: number;
  duplicates: number;
  requests: number;
  /** Events carried, re-sends included, retried batches once. */
  sentEvents: number;
  serverErrors: number;
  firstServerError?: string;
  /** The first error that stopped the loop. */
  error?: string;
  /** Milliseconds per `POST /v1/events`. */
  readonly samples: number[];
}

/**
 * The clients' send loop, shared by phase 1 and the sustained live phase: `clients` workers take the batches in
 * order, each retrying a batch after its 202 when the data set says so and retrying a 5xx as a real client would.
 * `onBatch` sees each batch once it is answered (with its index in `batches`).
 */
export async function sendBatches(
  http: HttpJson,
  batches: readonly IngestBatch[],
  keys: ReadonlyMap<string, string>,
  clients: number,
  onBatch: (index: number, totals: SendTotals) => void,
): Promise<SendTotals> {
  const totals: SendTotals = { accepted: 0, duplicates: 0, requests: 0, sentEvents: 0, serverErrors: 0, samples: [] };
  let next = 0;
  const send = async (batch: IngestBatch) => {
    for (let attempt = 1; ; attempt++) {
      const t = now();
      const res = await http.post<{ data: Accepted }>('/v1/events', keys.get(batch.workspace), batch.body);
      totals.samples.push(elapsedSince(t));
      totals.requests++;
      const answer = () => `POST /v1/events answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`;
      if (res.status >= 500 && attempt < MAX_ATTEMPTS) {
        // A client retries a 5xx; the bench counts it, and the smoke check fails on it.
        totals.serverErrors++;
        totals.firstServerError ??= answer();
        continue;
      }
      if (res.status !== 202) throw new Error(answer());
      totals.accepted += res.body.data.accepted;
      totals.duplicates += res.body.data.duplicates;
      totals.sentEvents += batch.events;
      return;
    }
  };
  const worker = async () => {
    while (!totals.error && next < batches.length) {
      const index = next++;
      const batch = batches[index];
      try {
        await send(batch);
        if (batch.retry) await send(batch);
      } catch (err) {
        totals.error ??= (err as Error).message;
      }
      onBatch(index, totals);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return totals;
}

/**
 * Phase 1: the data set through `POST /v1/events` by several concurrent
 * clients, each retrying some batches after their 202 (as after a lost
 * response). The service runs with LEDGER_ROLE=api, so no projector competes;
 * the phase stops it when done.
 */
export async function runIngest(ctx: PhaseContext, service: ServiceProcess, keys: ReadonlyMap<string, string>, clients = 8): Promise<IngestResult> {
  const http = new HttpJson(service.url, clients);
  const batches = ctx.data.batches;
  const start = now();
  let totals: SendTotals;
  try {
    totals = await ctx.progress.step(`ingest ${batches.length.toLocaleString('en-US')} batches over HTTP, ${clients} clients`, async (tick) =>
      sendBatches(http, batches, keys, clients, (index, t) =>
        tick(`${(index + 1).toLocaleString('en-US')}/${batches.length.toLocaleString('en-US')} batches, ${Math.round(t.accepted / (elapsedSince(start) / 1000)).toLocaleString('en-US')} events/s`),
      ),
    );
  } finally {
    http.close();
  }
  const elapsedMs = elapsedSince(start);
  const peakRssKb = service.peakRssKb();
  const serverErrorLog = await keepServerErrorLog(service, ctx.data.events);
  await service.stop();
  const [{ n }] = await ctx.pg.query<{ n: string }>(ctx.database, USAGE_EVENTS_SQL);
  const logEvents = Number(n);
  return {
    error: totals.error,
    peakRssKb,
    eventsPerS: logEvents / (elapsedMs / 1000),
    sentPerS: totals.sentEvents / (elapsedMs / 1000),
    requests: totals.requests,
    retriedBatches: batches.filter((b) => b.retry).length,
    accepted: totals.accepted,
    duplicates: totals.duplicates,
    logEvents,
    elapsedMs,
    batchLatency: latency(totals.samples),
    clients,
    serverErrors: totals.serverErrors,
    firstServerError: totals.firstServerError,
    serverErrorLog,
  };
}

async function keepServerErrorLog(service: ServiceProcess, events: number): Promise<IngestResult['serverErrorLog']> {
  const lines = service.serverErrorLines();
  if (!lines.length) return undefined;
  const file = path.join(REPO_ROOT, 'bench/results', `ingest-server-errors-${events}.log`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file: path.relative(REPO_ROOT, file), lines: lines.slice(0, 40) };
}
