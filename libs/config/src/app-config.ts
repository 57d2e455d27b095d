import { availableParallelism } from 'node:os';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

export type LedgerRole = 'api' | 'projector' | 'all';

/** pino's levels: LOG_LEVEL names the least severe one written. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
const toNumber = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The environment, validated once at boot. Field names are the variables they come from. */
class LedgerEnvironment {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @IsString() @MinLength(1)
  LEDGER_DATA_DIR = './.ledger';

  @IsOptional() @IsString() @MinLength(16, { message: 'LEDGER_ADMIN_KEY must be at least 16 characters' })
  LEDGER_ADMIN_KEY?: string;

  @IsOptional() @Matches(/^(esdb|esdb\+discover):\/\/\S+$/, { message: 'EVENTSTORE_CONNECTION_STRING must be an esdb:// or esdb+discover:// URL' })
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional() @IsIn(['api', 'projector', 'all'])
  LEDGER_ROLE: LedgerRole = 'all';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  LEDGER_PROJECTOR_BATCH = 5000;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'LEDGER_PROJECTION_PARTITIONS must be an integer' }) @Min(1) @Max(1024)
  LEDGER_PROJECTION_PARTITIONS = 8;

  @IsOptional() @Transform(toBool) @IsBoolean()
  LEDGER_AUTO_REBUILD = true;

  @IsOptional() @Transform(toNumber) @IsNumber({}, { message: 'LEDGER_RATE_LIMIT_PER_SECOND must be a number' }) @Min(0) @Max(1_000_000)
  LEDGER_RATE_LIMIT_PER_SECOND = 0;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'LEDGER_RATE_LIMIT_BURST must be an integer' }) @Min(1) @Max(1_000_000)
  LEDGER_RATE_LIMIT_BURST?: number;

  @IsOptional() @IsString() @MinLength(1)
  LEDGER_HOST = '127.0.0.1';

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600000)
  LEDGER_SHUTDOWN_TIMEOUT_MS = 10000;

  @IsOptional() @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IsOptional() @IsString() @MinLength(16, { message: 'LEDGER_METRICS_TOKEN must be at least 16 characters' })
  LEDGER_METRICS_TOKEN?: string;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'LEDGER_READ_POOL_SIZE must be an integer' }) @Min(1) @Max(1000)
  LEDGER_READ_POOL_SIZE = 10;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'LEDGER_READ_TIMEOUT_MS must be an integer' }) @Min(100) @Max(600000)
  LEDGER_READ_TIMEOUT_MS = 5000;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'LEDGER_INGEST_CONCURRENCY must be an integer' }) @Min(1) @Max(1000)
  LEDGER_INGEST_CONCURRENCY = Math.max(2, availableParallelism());
}

export interface AppConfig {
  readonly port: number;
  /** Unset means: run an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  /** Unset in embedded mode means: generate one and keep it under `dataDir`. */
  readonly adminKey?: string;
  /** Set means: EventStoreDB is the event store; otherwise the PostgreSQL log. */
  readonly eventStoreConnectionString?: string;
  readonly role: LedgerRole;
  /**
   * LEDGER_PROJECTOR_BATCH: the events a live batch holds once the projector has caught up. While it is behind,
   * each full batch doubles the next, up to 8 times this; the first short batch brings it back (ADR 0025).
   */
  readonly projectorBatchSize: number;
  /**
   * How many partitions (by workspace) the live projection is split into, each with its own checkpoint and
   * lease; the same for every process of a deployment (ADR 0026).
   */
  readonly projectionPartitions: number;
  /** Restate history automatically when a price change touches recorded usage. */
  readonly autoRebuild: boolean;
  /** Per workspace key, per process: a token bucket refilled at `perSecond` holding up to `burst`. Unset: no limit. */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  /** The address the HTTP server binds: loopback for the quick start, 0.0.0.0 in a container. */
  readonly host: string;
  /** How long a SIGTERM or SIGINT may take to drain requests and stop; past it the process exits 1. */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** A bearer token that may read `/metrics` (besides the admin key), so that a scraper needs no admin key. */
  readonly metricsToken?: string;
  /** The read pool (ADR 0027): its connections, and how long a read may run or wait for one before it is answered 503. */
  readonly readPool: { readonly size: number; readonly timeoutMs: number };
  /** Batches (of `POST /v1/events` and OTLP requests alike) this process records at once; the others wait their turn. */
  readonly ingestConcurrency: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment. Throws a ConfigError that lists every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(new LedgerEnvironment())
    .concat(['DATABASE_URL', 'LEDGER_ADMIN_KEY', 'EVENTSTORE_CONNECTION_STRING', 'LEDGER_METRICS_TOKEN'])
    .concat(['LEDGER_RATE_LIMIT_BURST'])) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = plainToInstance(LedgerEnvironment, raw);
  // Each message names its variable and the rule, never the value: a wrong value is often a secret, or a URL with a password in it.
  const problems = validateSync(parsed).flatMap((e) => Object.values(e.constraints ?? {}));
  if (parsed.DATABASE_URL && !parsed.LEDGER_ADMIN_KEY) {
    problems.push('LEDGER_ADMIN_KEY is required when DATABASE_URL is set (an external database has no data directory to keep a generated key in)');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    port: parsed.PORT,
    databaseUrl: parsed.DATABASE_URL,
    dataDir: parsed.LEDGER_DATA_DIR,
    adminKey: parsed.LEDGER_ADMIN_KEY,
    eventStoreConnectionString: parsed.EVENTSTORE_CONNECTION_STRING,
    role: parsed.LEDGER_ROLE,
    projectorBatchSize: parsed.LEDGER_PROJECTOR_BATCH,
    projectionPartitions: parsed.LEDGER_PROJECTION_PARTITIONS,
    autoRebuild: parsed.LEDGER_AUTO_REBUILD,
    rateLimit: parsed.LEDGER_RATE_LIMIT_PER_SECOND
      ? { perSecond: parsed.LEDGER_RATE_LIMIT_PER_SECOND, burst: parsed.LEDGER_RATE_LIMIT_BURST ?? Math.ceil(parsed.LEDGER_RATE_LIMIT_PER_SECOND) }
      : undefined,
    host: parsed.LEDGER_HOST,
    shutdownTimeoutMs: parsed.LEDGER_SHUTDOWN_TIMEOUT_MS,

    logLevel: parsed.LOG_LEVEL,
    metricsToken: parsed.LEDGER_METRICS_TOKEN,
    readPool: { size: parsed.LEDGER_READ_POOL_SIZE, timeoutMs: parsed.LEDGER_READ_TIMEOUT_MS },
    ingestConcurrency: parsed.LEDGER_INGEST_CONCURRENCY,
  };
}
