import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PG_POOL } from '@ledger/database';
import { Client, Pool } from 'pg';

/** The channel the `api_keys` triggers announce a changed key's id on (migration 1732240000010). */
export const API_KEY_CHANGED = 'api_key_changed';
const RECONNECT_MS = 1000;

/** A key id, or undefined for "anything may have changed" (the channel was (re)joined or lost). */
export type KeyChangeHandler = (keyId: string | undefined) => void;

/**
 * Listens on `api_key_changed` on a connection of its own, so that every replica hears a revocation or a
 * rotation within milliseconds of its commit (ADR 0017). While it is not listening (starting, or the
 * connection lost) `live` is false and resolved keys must not be cached; it connects again every second.
 */
@Injectable()
export class ApiKeyChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeys');
  private readonly handlers: KeyChangeHandler[] = [];
  private client?: Client;
  private closed = false;
  private reported = false;
  /** True while LISTEN is in force. */
  live = false;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  onChange(handler: KeyChangeHandler): void {
    this.handlers.push(handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.live = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    // A server that does not answer must not hold up the next attempt for the operating system's TCP timeout.
    const client = new Client({ ...this.pool.options, keepAlive: true, connectionTimeoutMillis: 5000 });
    this.client = client;
    // Permanent: a connection the server ends emits 'error' (at times twice); unheard, one would end the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => this.emit(n.payload || undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANGED}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.client !== client) return;
    this.live = true;
    if (this.reported) this.logger.log(`listening for key changes again`);
    this.reported = false;
    this.emit(undefined);
  }

  private lost(client: Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.live = false;
    this.emit(undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    if (!this.reported) this.logger.warn(`not listening for key changes (${err?.message ?? 'connection ended'}): every request looks its key up until it is back`);
    this.reported = true;
    setTimeout(() => void this.connect(), RECONNECT_MS).unref();
  }

  private emit(keyId: string | undefined): void {
    for (const handler of this.handlers) handler(keyId);
  }
}
