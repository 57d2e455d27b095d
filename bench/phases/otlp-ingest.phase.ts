import Big from 'big.js';
import { responseType } from '../../libs/otlp/src/receiver/otlp-codec';
import { OtlpBatch, OtlpDataSet } from '../data/otlp-usage.generator';
import { HttpJson } from '../support/http-json';
import { ServiceProcess } from '../support/service-process';
import { elapsedSince, Latency, latency, now } from '../support/stats';
import { PhaseContext, PhaseOutcome, USAGE_EVENTS_SQL } from './phase-context';
import { Check, check, Summary } from './smoke.check';

export interface OtlpIngestResult extends PhaseOutcome {
  /** Distinct usage events stored per second: the figure beside phase 1's. */
  readonly eventsPerS: number;
  /** Records carried per second, retried batches included. */
  readonly sentPerS: number;
  readonly records: number;
  readonly requests: number;
  readonly retriedBatches: number;
  /** Records the service counted in `partialSuccess.rejectedLogRecords`, over every answer. */
  readonly rejected: number;
  readonly firstRejection?: string;
  readonly logEvents: number;
  readonly elapsedMs: number;
  /** Per `POST /otlp/v1/logs` of 500 records. */
  readonly batchLatency: Latency;
  readonly bytesPerRecord: number;
  readonly clients: number;
  readonly serverErrors: number;
  readonly firstServerError?: string;
}

const MAX_ATTEMPTS = 4;
const LOGS_RESPONSE = responseType('logs');

/**
 * Phase 1b: as many usage records as phase 1 has distinct events, as Claude Code's OTLP log exporter sends them
 * (`POST /otlp/v1/logs`, `application/x-protobuf`, batches of phase 1's size), by as many concurrent clients, on a
 * database of its own so that phase 1's log and every later phase are unchanged. The client re-sends some batches
 * after their 200, as an exporter does after a lost answer; they must count once. The service runs with
 * LEDGER_ROLE=api, and the phase stops it when done.
 */
export async function runOtlpIngest(ctx: PhaseContext, service: ServiceProcess, data: OtlpDataSet, key: string, clients = 8): Promise<OtlpIngestResult> {
  const http = new HttpJson(service.url, clients);
  const samples: number[] = [];
  let next = 0;
  let requests = 0;
  let sent = 0;
  let rejected = 0;
  let firstRejection: string | undefined;
  let serverErrors = 0;
  let firstServerError: string | undefined;
  let error: string | undefined;

  const send = async (batch: OtlpBatch) => {
    for (let attempt = 1; ; attempt++) {
      const t = now();
      const res = await http.postBytes('/otlp/v1/logs', key, batch.body, 'application/x-protobuf');
      samples.push(elapsedSince(t));
      requests++;
      const answer = () => `POST /otlp/v1/logs answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
      if (res.status >= 500 && attempt < MAX_ATTEMPTS) {
        serverErrors++;
        firstServerError ??= answer();
        continue;
      }
      if (res.status !== 200) throw new Error(answer());
      const partial = (LOGS_RESPONSE.decode(res.body) as unknown as { partialSuccess?: { rejectedLogRecords?: number | { toNumber(): number }; errorMessage?: string } }).partialSuccess;
      const count = partial?.rejectedLogRecords ?? 0;
      const n = typeof count === 'number' ? count : count.toNumber();
      if (n) {
        rejected += n;
        firstRejection ??= partial?.errorMessage;
      }
      sent += batch.records;
      return;
    }
  };

  const start = now();
  try {
    await ctx.progress.step(`OTLP ingest: ${data.batches.length.toLocaleString('en-US')} protobuf log batches, ${clients} clients`, async (tick) => {
      const worker = async () => {
        while (!error && next < data.batches.length) {
          const batch = data.batches[next++];
          try {
            await send(batch);
            if (batch.retry) await send(batch);
          } catch (err) {
            error ??= (err as Error).message;
          }
          tick(`${next.toLocaleString('en-US')}/${data.batches.length.toLocaleString('en-US')} batches, ${Math.round(sent / (elapsedSince(start) / 1000)).toLocaleString('en-US')} records/s`);
        }
      };
      await Promise.all(Array.from({ length: clients }, worker));
    });
  } finally {
    http.close();
  }
  const elapsedMs = elapsedSince(start);
  const peakRssKb = service.peakRssKb();
  await service.stop();
  const [{ n }] = await ctx.pg.query<{ n: string }>(ctx.database, USAGE_EVENTS_SQL);
  const logEvents = Number(n);
  return {
    error,
    peakRssKb,
    eventsPerS: logEvents / (elapsedMs / 1000),
    sentPerS: sent / (elapsedMs / 1000),
    records: data.records,
    requests,
    retriedBatches: data.batches.filter((b) => b.retry).length,
    rejected,
    firstRejection,
    logEvents,
    elapsedMs,
    batchLatency: latency(samples),
    bytesPerRecord: data.bytes / data.records,
    clients,
    serverErrors,
    firstServerError,
  };
}


/** `/costs/summary` of the OTLP workspace against the generator's own pricing: tokens, counts and the decimal cost, exactly. */
export async function checkOtlpTotals(http: HttpJson, data: OtlpDataSet, key: string): Promise<Check> {
  const res = await http.get<Summary>('/costs/summary', key);
  const t = data.truth;
  const got = res.body;
  const diffs =
    res.status !== 200
      ? [`HTTP ${res.status}`]
      : [
          got.total_tokens !== t.totalTokens && `tokens ${got.total_tokens} ≠ ${t.totalTokens}`,
          got.total_sessions !== t.sessions && `sessions ${got.total_sessions} ≠ ${t.sessions}`,
          got.total_executions !== t.executions && `executions ${got.total_executions} ≠ ${t.executions}`,
          got.total_tool_calls !== 0 && `tool calls ${got.total_tool_calls} ≠ 0`,
          !new Big(got.total_cost_usd).eq(t.tokenCost) && `cost ${got.total_cost_usd} ≠ ${t.tokenCost.toFixed()}`,
        ].filter((d): d is string => Boolean(d));
  return check(
    `OTLP: /costs/summary of ${data.workspace} equals the generator's totals: ${t.totalTokens.toLocaleString('en-US')} tokens, $${t.tokenCost.toFixed(6)}`,
    diffs.length === 0,
    diffs.join('; ') || 'exact',
  );
}
