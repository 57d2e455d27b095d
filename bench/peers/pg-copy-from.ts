import type { Client } from 'pg';

/** The part of pg's internal Connection that COPY FROM STDIN needs. */
interface PgConnection {
  readonly stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * `COPY … FROM STDIN` through the plain `pg` client, without pg-copy-streams
 * (not a dependency of this project): pg accepts any "submittable" object and
 * hands it the protocol messages. This one answers CopyInResponse by streaming
 * `chunks` as CopyData, honouring the socket's back-pressure, then CopyDone.
 */
class CopyFromStdin {
  private rows = 0;
  private failed?: Error;

  constructor(
    readonly text: string,
    private readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
    private readonly done: (err: Error | undefined, rows: number) => void,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    void (async () => {
      try {
        for await (const chunk of this.chunks) {
          connection.sendCopyFromChunk(chunk);
          if (connection.stream.writableNeedDrain) await new Promise((r) => connection.stream.once('drain', r));
        }
        connection.endCopyFrom();
      } catch (err) {
        this.failed = err as Error;
        connection.sendCopyFail(this.failed.message);
      }
    })();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rows = Number(/COPY (\d+)/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.done(this.failed, this.rows);
  }

  handleError(err: Error): void {
    this.done(this.failed ?? err, 0);
  }

  // Messages a COPY FROM never receives; pg may still look the handlers up.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Streams `chunks` (COPY text format) into `copySql` (`COPY t (...) FROM STDIN`). Resolves with the row count. */
export function copyFrom(client: Client, copySql: string, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
  return new Promise((resolve, reject) => {
    const submittable = new CopyFromStdin(copySql, chunks, (err, rows) => (err ? reject(err) : resolve(rows)));
    // pg's typings only know its own Submittable shape; the protocol hooks above are what it calls.
    (client as unknown as { query(s: unknown): void }).query(submittable);
  });
}

/** Escapes a value for COPY's text format. */
export function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
