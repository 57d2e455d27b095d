import { ConflictError, IdempotencyConflictError, unstorableText } from '@ledger/http';
import { MAX_BATCH, MAX_FUTURE_MS, parseUsageEvent } from '@ledger/ingest';
import type { RecordUsageResult, UsageEvent } from '@ledger/ingest';
import type { NormalizedRecords } from '../normalize-records';
import type { OtlpRecord } from '../otlp-model';

/** What became of an OTLP request's records. */
export interface IngestOutcome {
  /** Records rejected whole (OTLP partial success counts these). */
  readonly rejected: number;
  /** The first few reasons, one per rejected record: the `errorMessage` of `partialSuccess`. */
  readonly errorMessage: string;
  readonly accepted: number;
  readonly duplicates: number;
  /** Records no normalizer claimed: not usage, acknowledged and dropped. */
  readonly ignored: number;
}

export interface IngestRecordsDeps {
  readonly workspaceId: string;
  readonly now: Date;
  /** normalizeRecords, or a stand-in in specs. */
  readonly normalize: (records: readonly OtlpRecord[]) => NormalizedRecords;
  /** RecordUsageEvents through the command bus: appends or throws a refusal naming event indexes. */
  readonly record: (events: readonly UsageEvent[]) => Promise<RecordUsageResult>;
}

/** Reasons shown in `errorMessage`; the count says how many there were. */
const SHOWN_REASONS = 3;

interface Pending {
  readonly record: number;
  readonly event: UsageEvent;
}

/** The record indexes a refusal of RecordUsageEvents names through its details' event indexes, with why. */
function refusedRecords(err: unknown, chunk: readonly Pending[]): Map<number, string> | undefined {
  if (!(err instanceof IdempotencyConflictError) && !(err instanceof ConflictError)) return undefined;
  const named = new Map<number, string>();
  for (const detail of err.details as readonly { index?: unknown; message?: unknown }[]) {
    const pending = typeof detail?.index === 'number' ? chunk[detail.index] : undefined;
    if (pending && !named.has(pending.record)) named.set(pending.record, String(detail.message ?? err.message));
  }
  return named.size ? named : undefined;
}

/** Consecutive records' events, at most MAX_BATCH each unless one record has more: a record is never split. */
function chunksOf(pending: readonly Pending[]): Pending[][] {
  const chunks: Pending[][] = [];
  let current: Pending[] = [];
  let start = 0;
  while (start < pending.length) {
    let end = start + 1;
    while (end < pending.length && pending[end].record === pending[start].record) end++;
    if (current.length && current.length + (end - start) > MAX_BATCH) {
      chunks.push(current);
      current = [];
    }
    current.push(...pending.slice(start, end));
    start = end;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * Records → usage events → the ledger, record by record (ADR 0023): a record its normalizer cannot read, or
 * with an event ingest's own parser refuses, is rejected whole; so is one whose event RecordUsageEvents refuses
 * (an event id recorded with another payload, a session placed in another execution), and the rest is sent
 * again without it, so that one bad record never fails the request.
 */
export async function ingestRecords(records: readonly OtlpRecord[], deps: IngestRecordsDeps): Promise<IngestOutcome> {
  const normalized = deps.normalize(records);
  const reasons = new Map<number, string>();
  const reject = (record: number, source: string, message: string) => {
    if (!reasons.has(record)) reasons.set(record, `record ${record} (${source}): ${message}`);
  };
  for (const r of normalized.rejected) reject(r.record, r.source, r.message);
  const latest = deps.now.getTime() + MAX_FUTURE_MS;
  let pending: Pending[] = [];
  for (const { record, source, event } of normalized.events) {
    if (reasons.has(record)) continue;
    // The JSON API's body parser refuses these before any event is read; here they come from decoded strings.
    const unstorable = unstorableText(event);
    const parsed = unstorable.length ? unstorable : parseUsageEvent(event, deps.workspaceId, latest);
    if (Array.isArray(parsed)) reject(record, source, parsed.map((p) => (!p.field || p.message.startsWith(p.field) ? p.message : `${p.field}: ${p.message}`)).join('; '));
    else pending.push({ record, event: parsed });
  }
  pending = pending.filter((p) => !reasons.has(p.record));
  const sourceOf = new Map(normalized.events.map((e) => [e.record, e.source]));
  let accepted = 0;
  let duplicates = 0;
  for (let chunk of chunksOf(pending)) {
    while (chunk.length) {
      try {
        const result = await deps.record(chunk.map((p) => p.event));
        accepted += result.accepted;
        duplicates += result.duplicates;
        break;
      } catch (err) {
        const refused = refusedRecords(err, chunk);
        if (!refused) throw err;
        for (const [record, message] of refused) reject(record, sourceOf.get(record) ?? 'otlp', message);
        chunk = chunk.filter((p) => !refused.has(p.record));
      }
    }
  }
  const shown = [...reasons.keys()].sort((a, b) => a - b).slice(0, SHOWN_REASONS).map((record) => reasons.get(record)!);
  const more = reasons.size - shown.length;
  const errorMessage = reasons.size
    ? `${reasons.size} of ${records.length} records rejected: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`
    : '';
  return { rejected: reasons.size, errorMessage, accepted, duplicates, ignored: normalized.ignored };
}
