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

/**
 * Phase 1: the data set through `POST /v1/events` by several concurrent
 * clients, each retrying some batches after their 202 (as after a lost
 * response). The service runs with LEDGER_ROLE=api, so no projector competes;
 * the phase stops it when done.
 */
export async function runIngest(ctx: PhaseContext, service: ServiceProcess, keys: ReadonlyMap<string, string>, clients = 8): Promise<IngestResult> {
  const http = new HttpJson(service.url, clients);
  const samples: number[] = [];
  let next = 0;
  let accepted = 0;
  let duplicates = 0;
  let requests = 0;
  let sentEvents = 0;
  let error: string | undefined;
  let serverErrors = 0;
  let firstServerError: string | undefined;
  const batches = ctx.data.batches;

  const send = async (batch: IngestBatch) => {
    for (let attempt = 1; ; attempt++) {
      const t = now();
      const res = await http.post<{ data: Accepted }>('/v1/events', keys.get(batch.workspace), batch.body);
      samples.push(elapsedSince(t));
      requests++;
      const answer = () => `POST /v1/events answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`;
      if (res.status >= 500 && attempt < MAX_ATTEMPTS) {
        // A client retries a 5xx; the bench counts it, and the smoke check fails on it.
        serverErrors++;
        firstServerError ??= answer();
        continue;
      }
      if (res.status !== 202) throw new Error(answer());
      accepted += res.body.data.accepted;
      duplicates += res.body.data.duplicates;
      sentEvents += batch.events;
      return;
    }
  };

  const start = now();
  try {
    await ctx.progress.step(`ingest ${batches.length.toLocaleString('en-US')} batches over HTTP, ${clients} clients`, async (tick) => {
      const worker = async () => {
        while (!error && next < batches.length) {
          const batch = batches[next++];
          try {
            await send(batch);
            if (batch.retry) await send(batch);
          } catch (err) {
            error ??= (err as Error).message;
          }
          tick(`${next.toLocaleString('en-US')}/${batches.length.toLocaleString('en-US')} batches, ${Math.round(accepted / (elapsedSince(start) / 1000)).toLocaleString('en-US')} events/s`);
        }
      };
      await Promise.all(Array.from({ length: clients }, worker));
    });
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
    error,
    peakRssKb,
    eventsPerS: logEvents / (elapsedMs / 1000),
    sentPerS: sentEvents / (elapsedMs / 1000),
    requests,
    retriedBatches: batches.filter((b) => b.retry).length,
    accepted,
    duplicates,
    logEvents,
    elapsedMs,
    batchLatency: latency(samples),
    clients,
    serverErrors,
    firstServerError,
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
