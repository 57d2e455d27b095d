import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig } from '@ledger/config';
import { lockDataDir, startEmbeddedPostgres } from '@ledger/database';

export interface Infrastructure {
  readonly databaseUrl: string;
  readonly adminKey: string;
  /** Set when this process generated the admin key, so that it can be shown once. */
  readonly adminKeyFile?: string;
  stop(): Promise<void>;
}

/** Times the embedded PostgreSQL is started again after it died, before the ledger gives up (ADR 0015). */
const EMBEDDED_RESTARTS = 5;

/**
 * Resolves what the configuration leaves open. Without DATABASE_URL an embedded
 * PostgreSQL runs under LEDGER_DATA_DIR; without LEDGER_ADMIN_KEY an admin key is
 * generated once and kept beside it (mode 600), so a restart keeps both.
 * The embedded server is started again if it dies; `fatal` is called when it cannot be.
 */
export async function resolveInfrastructure(
  config: AppConfig,
  log: (line: string) => void,
  fatal: (err: Error) => void,
): Promise<Infrastructure> {
  if (config.databaseUrl) {
    return { databaseUrl: config.databaseUrl, adminKey: config.adminKey!, stop: async () => undefined };
  }
  const dataDir = path.resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  // Before anything touches the cluster: the server in it may be another live ledger's.
  await lockDataDir(dataDir);
  const postgresLog = new Logger('PostgreSQL');
  log(`starting embedded PostgreSQL in ${path.join(dataDir, 'postgres')}`);
  const db = await startEmbeddedPostgres({
    dir: path.join(dataDir, 'postgres'),
    log: (line) => postgresLog.log(line),
    restart: { attempts: EMBEDDED_RESTARTS, giveUp: fatal },
  });
  let adminKey = config.adminKey;
  let adminKeyFile: string | undefined;
  if (!adminKey) {
    adminKeyFile = path.join(dataDir, 'admin-key');
    adminKey = await readFile(adminKeyFile, 'utf8').then(
      (k) => k.trim(),
      async () => {
        const generated = `clk_admin_${randomBytes(24).toString('base64url')}`;
        await writeFile(adminKeyFile!, `${generated}\n`, { mode: 0o600 });
        return generated;
      },
    );
  }
  return { databaseUrl: db.url, adminKey, adminKeyFile, stop: () => db.stop() };
}
