import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/** One POST /v1/events as a client saw it. `status` 0: no answer (refused, reset). */
export interface PostedBatch {
  readonly ids: readonly string[];
  readonly status: number;
  readonly code?: string;
  readonly retryAfter?: string | null;
}

export interface IngestLoad {
  readonly posted: readonly PostedBatch[];
  /** Resolves once `count` more batches than now have answered `status`. */
  waitFor(status: number, count: number, timeoutMs: number): Promise<void>;
  /** Stops every client and resolves with all the batches they posted. */
  stop(): Promise<PostedBatch[]>;
}

/**
 * `clients` concurrent agents posting batches of `batchSize` TokenUsed events with fresh ids
 * (`<tag>-<client>-<n>-<i>`) to a ledger, as fast as it answers, until stopped. A refused
 * or cut connection is recorded and retried after a short pause, with new ids.
 */
export function startIngestLoad(port: number, key: string, tag: string, { clients = 4, batchSize = 10 } = {}): IngestLoad {
  const posted: PostedBatch[] = [];
  let stopped = false;
  const post = async (ids: string[]): Promise<PostedBatch> => {
    const events = ids.map((id) => ({
      event_id: id, type: 'TokenUsed', session_id: `${tag}-session`, occurred_at: '2026-04-02T12:00:00Z',
      model: 'gpt-4o', input_tokens: 1000, output_tokens: 10,
    }));
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
      return { ids, status: res.status, code: body?.error?.code, retryAfter: res.headers.get('retry-after') };
    } catch {
      await sleep(20);
      return { ids, status: 0 };
    }
  };
  const agents = Array.from({ length: clients }, async (_, c) => {
    for (let n = 0; !stopped; n++) posted.push(await post(Array.from({ length: batchSize }, (__, i) => `${tag}-${c}-${n}-${i}`)));
  });
  return {
    posted,
    async waitFor(status, count, timeoutMs) {
      const target = posted.filter((b) => b.status === status).length + count;
      for (const deadline = Date.now() + timeoutMs; posted.filter((b) => b.status === status).length < target; await sleep(20)) {
        if (Date.now() > deadline) {
          stopped = true;
          throw new Error(`fewer than ${count} more batches answered ${status} within ${timeoutMs} ms: ${JSON.stringify(summary(posted))}`);
        }
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(agents);
      return posted;
    },
  };
}

/** How many batches answered each status (and error code). */
export function summary(batches: readonly PostedBatch[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of batches) {
    const k = b.code ? `${b.status} ${b.code}` : String(b.status);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/**
 * What the log holds of each batch: every event (`whole`), none, or some (`partial`, which must
 * never happen, since a batch is appended in one transaction).
 */
export async function storedOf(db: Client, batches: readonly PostedBatch[]): Promise<Map<PostedBatch, 'whole' | 'none' | 'partial'>> {
  const ids = batches.flatMap((b) => b.ids);
  const { rows } = await db.query<{ id: string }>(`SELECT data->>'event_id' AS id FROM event_log WHERE data->>'event_id' = ANY($1::text[])`, [ids]);
  const stored = new Set(rows.map((r) => r.id));
  return new Map(
    batches.map((b) => {
      const n = b.ids.filter((id) => stored.has(id)).length;
      return [b, n === b.ids.length ? 'whole' : n === 0 ? 'none' : 'partial'];
    }),
  );
}
