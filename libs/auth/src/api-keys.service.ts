import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal } from './principal';

export const ADMIN_KEY = Symbol('ADMIN_KEY');

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export interface IssuedKey {
  readonly id: string;
  readonly key: string;
  readonly workspace_id: string;
  readonly name: string;
  readonly created_at: string;
}

/**
 * How long a resolved key (or a refused one) is trusted without asking the database again. There is no
 * revoke route: a key is revoked by deleting its `api_keys` row, and each process honours that within
 * this time.
 */
const CACHE_TTL_MS = 30_000;
/** Presented keys are remembered up to this many, so that a flood of made-up keys cannot grow the cache without bound. */
const CACHE_MAX_KEYS = 10_000;

/**
 * API keys are stored as SHA-256 hashes only; the plaintext is shown once, when
 * issued. Keys are looked up by hash (an unpredictable value, so the index probe
 * leaks nothing useful) and compared in constant time.
 */
@Injectable()
export class ApiKeysService {
  private readonly adminHash: Buffer;
  private readonly cache = new Map<string, { principal: Principal | undefined; until: number }>();

  constructor(
    private readonly db: DataSource,
    @Inject(ADMIN_KEY) adminKey: string,
  ) {
    this.adminHash = sha256(adminKey);
  }

  async issue(workspaceId: string, name: string): Promise<IssuedKey> {
    const key = `clk_${randomBytes(32).toString('base64url')}`;
    const id = `key_${randomBytes(8).toString('hex')}`;
    const rows: { created_at: Date }[] = await this.db.query(
      'INSERT INTO api_keys (id, workspace_id, name, key_hash) VALUES ($1, $2, $3, $4) RETURNING created_at',
      [id, workspaceId, name, sha256(key)],
    );
    return { id, key, workspace_id: workspaceId, name, created_at: rows[0].created_at.toISOString() };
  }

  async resolve(key: string): Promise<Principal | undefined> {
    const hash = sha256(key);
    if (timingSafeEqual(hash, this.adminHash)) return { kind: 'admin' };
    const cacheKey = hash.toString('hex');
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.principal;
    const rows: { workspace_id: string; key_hash: Buffer }[] = await this.db.query(
      'SELECT workspace_id, key_hash FROM api_keys WHERE key_hash = $1',
      [hash],
    );
    const principal: Principal | undefined =
      rows.length && timingSafeEqual(rows[0].key_hash, hash) ? { kind: 'workspace', workspaceId: rows[0].workspace_id } : undefined;
    this.remember(cacheKey, principal);
    return principal;
  }

  private remember(cacheKey: string, principal: Principal | undefined): void {
    const now = Date.now();
    if (this.cache.size >= CACHE_MAX_KEYS) {
      for (const [k, entry] of this.cache) if (entry.until <= now) this.cache.delete(k);
      // Still full of live entries: forget the oldest (a Map iterates in insertion order).
      for (const k of this.cache.keys()) {
        if (this.cache.size < CACHE_MAX_KEYS) break;
        this.cache.delete(k);
      }
    }
    this.cache.set(cacheKey, { principal, until: now + CACHE_TTL_MS });
  }
}
