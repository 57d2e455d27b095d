import { Client } from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { WireEvent } from '../data/data-set';
import { BenchPostgres } from '../support/postgres';
import { Progress } from '../support/progress';
import { elapsedSince, now } from '../support/stats';
import { copyFrom, copyText } from './pg-copy-from';
import { PeerResult } from './session-cost';

const NAMESPACE = '6f1c3a52-3e0b-4c55-9d6a-0c7e1f5b9a10';
const ROWS_PER_CHUNK = 2000;

/**
 * The ceiling: the same events, as the rows our log stores (stream, id, type,
 * JSON payload), COPYed into a bare table with no index and no constraint on
 * the same server. Nothing that writes these rows durably to this PostgreSQL
 * can be faster, so "ours ÷ ceiling" says how much of the disk and server we
 * use. The COPY text is built before the clock starts.
 */
export async function runCopyCeiling(pg: BenchPostgres, events: Iterable<{ workspace: string; event: WireEvent }>, progress: Progress): Promise<PeerResult> {
  const url = await pg.createDatabase('bench_ceiling');
  await pg.query(
    'bench_ceiling',
    `CREATE TABLE copy_ceiling (
       global_position bigint GENERATED ALWAYS AS IDENTITY,
       stream_id text NOT NULL,
       event_id uuid NOT NULL,
       event_type text NOT NULL,
       data jsonb NOT NULL)`,
  );
  const chunks: Buffer[] = [];
  let rows = 0;
  let lines: string[] = [];
  for (const { workspace, event } of events) {
    const data = JSON.stringify({ ...event, workspace_id: workspace });
    lines.push(`${copyText(`session-${workspace}/${event.session_id}`)}\t${uuidv5(`${workspace}/${event.event_id}`, NAMESPACE)}\t${event.type}\t${copyText(data)}\n`);
    if (lines.length === ROWS_PER_CHUNK) {
      chunks.push(Buffer.from(lines.join('')));
      lines = [];
    }
    rows++;
  }
  if (lines.length) chunks.push(Buffer.from(lines.join('')));

  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await progress.step(`COPY ceiling: ${rows.toLocaleString('en-US')} rows into a bare table`, async () => {
      const start = now();
      const copied = await copyFrom(client, 'COPY copy_ceiling (stream_id, event_id, event_type, data) FROM STDIN', chunks);
      const elapsedMs = elapsedSince(start);
      return { name: 'COPY ceiling', events: copied, elapsedMs, eventsPerS: copied / (elapsedMs / 1000), note: 'COPY FROM STDIN through pg (no pg-copy-streams)' };
    });
  } finally {
    await client.end();
  }
}
