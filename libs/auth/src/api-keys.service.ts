import { Inject, Injectable, Logger } from '@nestjs/common';
import { inTransaction, PG_POOL } from '@ledger/database';
import { ConflictError, NotFoundError, ValidationError } from '@ledger/http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { ApiKeyChanges } from './api-key-changes';
import { Principal } from './principal';

export const ADMIN_KEY = Symbol('ADMIN_KEY');

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** A key as the admin API shows it: never its secret, nor the secret's hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly workspace_id: string;
  readonly name: string;
  readonly created_at: string;
  /** Accurate to a minute: see TOUCH_INTERVAL_MS. */
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

export interface IssuedKey {
  readonly id: string;
  /** The secret: shown this once, stored only as its SHA-256 hash. */
  readonly key: string;
  readonly workspace_id: string;
  readonly name: string;
  readonly created_at: string;
}

export interface RotatedKey extends IssuedKey {
  /** Until when the secrets this rotation replaced keep working (now, for no grace period). */
  readonly previous_key_valid_until: string;
}

export interface KeyPage {
  readonly items: ApiKeyRecord[];
  readonly nextCursor?: string;
}

/**
 * How long a resolved key (or a refused one) is trusted without asking the database again, while this
 * process hears key changes. Revocations and rotations evict at once, through `ApiKeyChanges`; this bound
 * only covers a listening connection cut off without the operating system noticing yet.
 */
const CACHE_TTL_MS = 60_000;
/** Presented keys are remembered up to this many, so that a flood of made-up keys cannot grow the cache without bound. */
const CACHE_MAX_KEYS = 10_000;
/**
 * `last_used_at` is written at most once a minute per key and process (and, whatever the number of
 * processes, changed at most once a minute per key), so authentication costs no write per request.
 */
const TOUCH_INTERVAL_MS = 60_000;

/** Key ids are `key_` and 16 hex digits; anything else is no key, and is not looked up. */
const KEY_ID = /^key_[0-9a-f]{16}$/;

interface CacheEntry {
  readonly principal: Principal | undefined;
  readonly until: number;
}

const COLUMNS = 'id, workspace_id, name, created_at, last_used_at, revoked_at';
interface KeyRow {
  id: string;
  workspace_id: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
const toRecord = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  workspace_id: r.workspace_id,
  name: r.name,
  created_at: r.created_at.toISOString(),
  last_used_at: r.last_used_at?.toISOString() ?? null,
  revoked_at: r.revoked_at?.toISOString() ?? null,
});

const newSecret = () => `clk_${randomBytes(32).toString('base64url')}`;

/**
 * API keys are stored as SHA-256 hashes only; the plaintext is shown once, when issued or rotated. Keys
 * are looked up by hash, an unpredictable value, so the index probe leaks nothing useful. A key works
 * until it is revoked; a rotation gives it a new secret and lets the old one work for a grace period.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('ApiKeys');
  private readonly adminHash: Buffer;
  private readonly cache = new Map<string, CacheEntry>();
  /** Moves on every key change heard: a lookup that overlapped one does not cache what it read. */
  private generation = 0;
  private readonly touched = new Map<string, number>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ADMIN_KEY) adminKey: string,
    private readonly changes: ApiKeyChanges,
  ) {
    this.adminHash = sha256(adminKey);
    changes.onChange((keyId) => this.forget(keyId));
  }

  async issue(workspaceId: string, name: string): Promise<IssuedKey> {
    const key = newSecret();
    const id = `key_${randomBytes(8).toString('hex')}`;
    const { rows } = await this.pool.query<{ created_at: Date }>(
      'INSERT INTO api_keys (id, workspace_id, name, key_hash) VALUES ($1, $2, $3, $4) RETURNING created_at',
      [id, workspaceId, name, sha256(key)],
    );
    return { id, key, workspace_id: workspaceId, name, created_at: rows[0].created_at.toISOString() };
  }

  /** Newest first, revoked keys included; `cursor` comes from the previous page. */
  async list(params: { workspaceId?: string; limit: number; cursor?: string }): Promise<KeyPage> {
    const values: unknown[] = [];
    const where: string[] = [];
    if (params.workspaceId !== undefined) {
      values.push(params.workspaceId);
      where.push(`workspace_id = $${values.length}`);
    }
    const after = decodeCursor(params.cursor);
    if (after) {
      values.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length})`);
    }
    values.push(params.limit + 1);
    const { rows } = await this.pool.query<KeyRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
         FROM api_keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, params.limit);
    const last = page[page.length - 1];
    return { items: page.map(toRecord), nextCursor: rows.length > params.limit ? encodeCursor(last.sort_key, last.id) : undefined };
  }

  /** Refuses the key from now on, on every replica (ADR 0017). Revoking a revoked key changes nothing. */
  async revoke(id: string): Promise<ApiKeyRecord> {
    if (!KEY_ID.test(id)) throw new NotFoundError('api key', 'id');
    const { rows } = await this.pool.query<KeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    if (!rows.length) throw new NotFoundError('api key', 'id');
    // The other replicas hear it from the trigger; this one need not wait for its own notification.
    this.forget(id);
    return toRecord(rows[0]);
  }

  /**
   * Gives the key a new secret. The secrets it had (its current one, and any earlier one still in a grace
   * period) keep working `graceSeconds` more at most; with 0 they are refused at once.
   */
  async rotate(id: string, graceSeconds: number): Promise<RotatedKey> {
    if (!KEY_ID.test(id)) throw new NotFoundError('api key', 'id');
    const key = newSecret();
    const rotated = await inTransaction(this.pool, async (client) => {
      // now() is the transaction's start throughout, so every statement below means the same instant.
      const graceEnd = `now() + make_interval(secs => $2)`;
      const { rows } = await client.query<KeyRow & { valid_until: Date }>(
        `SELECT ${COLUMNS}, ${graceEnd} AS valid_until FROM api_keys WHERE id = $1 FOR UPDATE`,
        [id, graceSeconds],
      );
      if (!rows.length) throw new NotFoundError('api key', 'id');
      const row = rows[0];
      if (row.revoked_at) throw new ConflictError(`api key ${id} is revoked; issue a new key instead`);
      await client.query(`UPDATE api_key_retired_secrets SET valid_until = LEAST(valid_until, ${graceEnd}) WHERE key_id = $1`, [id, graceSeconds]);
      await client.query(`DELETE FROM api_key_retired_secrets WHERE key_id = $1 AND valid_until <= now()`, [id]);
      await client.query(
        `INSERT INTO api_key_retired_secrets (key_hash, key_id, valid_until) SELECT key_hash, id, ${graceEnd} FROM api_keys WHERE id = $1 AND $2 > 0`,
        [id, graceSeconds],
      );
      await client.query(`UPDATE api_keys SET key_hash = $2 WHERE id = $1`, [id, sha256(key)]);
      return {
        id,
        key,
        workspace_id: row.workspace_id,
        name: row.name,
        created_at: row.created_at.toISOString(),
        previous_key_valid_until: row.valid_until.toISOString(),
      };
    });
    this.forget(id);
    return rotated;
  }

  async resolve(key: string): Promise<Principal | undefined> {
    const hash = sha256(key);
    if (timingSafeEqual(hash, this.adminHash)) return { kind: 'admin' };
    const cacheKey = hash.toString('hex');
    const hit = this.cache.get(cacheKey);
    const principal = hit && hit.until > Date.now() ? hit.principal : await this.lookUp(hash, cacheKey);
    if (principal?.kind === 'workspace') this.touch(principal.keyId);
    return principal;
  }

  private async lookUp(hash: Buffer, cacheKey: string): Promise<Principal | undefined> {
    const generation = this.generation;
    const { rows } = await this.pool.query<{ id: string; workspace_id: string; valid_until: Date | null }>(
      `SELECT id, workspace_id, NULL::timestamptz AS valid_until FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL
        UNION ALL
       SELECT k.id, k.workspace_id, r.valid_until FROM api_key_retired_secrets r JOIN api_keys k ON k.id = r.key_id
        WHERE r.key_hash = $1 AND r.valid_until > now() AND k.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    const principal: Principal | undefined = row ? { kind: 'workspace', workspaceId: row.workspace_id, keyId: row.id } : undefined;
    // Only while every change is heard, and none was while this lookup ran, may its answer stand for later ones.
    if (this.changes.live && generation === this.generation) {
      this.remember(cacheKey, principal, Math.min(Date.now() + CACHE_TTL_MS, row?.valid_until?.getTime() ?? Infinity));
    }
    return principal;
  }

  /** Drops what is cached for a changed key, or everything when changes may have gone unheard. */
  private forget(keyId: string | undefined): void {
    this.generation++;
    if (keyId === undefined) return this.cache.clear();
    for (const [k, entry] of this.cache) if (entry.principal?.kind === 'workspace' && entry.principal.keyId === keyId) this.cache.delete(k);
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if ((this.touched.get(keyId) ?? -Infinity) > now - TOUCH_INTERVAL_MS) return;
    this.touched.set(keyId, now);
    // Off the request's path: a lost write only makes last_used_at a minute staler.
    this.pool
      .query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [keyId])
      .catch((err: Error) => this.logger.warn(`could not record the use of key ${keyId}: ${err.message}`));
  }

  private remember(cacheKey: string, principal: Principal | undefined, until: number): void {
    const now = Date.now();
    if (this.cache.size >= CACHE_MAX_KEYS) {
      for (const [k, entry] of this.cache) if (entry.until <= now) this.cache.delete(k);
      // Still full of live entries: forget the oldest (a Map iterates in insertion order).
      for (const k of this.cache.keys()) {
        if (this.cache.size < CACHE_MAX_KEYS) break;
        this.cache.delete(k);
      }
    }
    this.cache.set(cacheKey, { principal, until });
  }
}

/** A keyset cursor: the exact `created_at` (to the microsecond) and id of a page's last key. */
function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(createdAt) && typeof id === 'string' && KEY_ID.test(id)) {
      return { createdAt, id };
    }
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([{ field: 'cursor', location: 'query', message: 'cursor is not one this service issued; take it from next_cursor' }]);
}
