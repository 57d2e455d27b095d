/** Node's codes for a connection that could not be made or was cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away or not there yet: class 08 (connection exception), 57P01-03
 * (terminated by an administrator, a crash, or "the database system is starting up / shutting down")
 * and 53300 (too many connections).
 */
const SERVER_GONE = /^(08...|57P0[123]|53300)$/;

/** pg's own messages for a connection it lost or could not get (they carry no code). */
const PG_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Cannot use a pool after calling end|timeout exceeded when trying to connect)/;

interface MaybeConnectionError {
  code?: unknown;
  message?: unknown;
  /** TypeORM's QueryFailedError wraps the driver's error. */
  driverError?: unknown;
  /** Node reports a failed connect to every address of a host as one AggregateError. */
  errors?: unknown;
}

/**
 * Whether `err` means the database is unreachable rather than that the request was wrong: such a
 * request is answered 503 UNAVAILABLE, worth retrying, and the pools reconnect once the server is back.
 */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as MaybeConnectionError;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SERVER_GONE.test(e.code))) return true;
  if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
  if (e.driverError && isConnectionFailure(e.driverError, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isConnectionFailure(inner, depth + 1));
}

/** pg-pool's error when no connection came free within `connectionTimeoutMillis` (the read pool sets it). */
const POOL_TIMEOUT = /^timeout exceeded when trying to connect/;

/** The driver's error under TypeORM's wrapper, or the error itself. */
const driverErrorOf = (err: unknown): MaybeConnectionError | undefined => {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as MaybeConnectionError;
  return typeof e.driverError === 'object' && e.driverError !== null ? (e.driverError as MaybeConnectionError) : e;
};

/**
 * Why a request could not be served by a database that is there but did not answer it, or is not there: the
 * message of a 503 UNAVAILABLE (with Retry-After), or undefined when `err` is not such a failure. SQLSTATE 57014 is
 * a statement the server cancelled: a read past the read pool's `statement_timeout` (ADR 0027), or an operator's
 * `pg_cancel_backend`; nothing was changed, so the request can be sent again.
 */
export function unavailableReason(err: unknown): string | undefined {
  const e = driverErrorOf(err);
  if (e?.code === '57014') {
    return typeof e.message === 'string' && e.message.includes('statement timeout')
      ? 'the query ran past the time limit for reads and was cancelled: the database is busy, or the request reads too much; retry shortly'
      : 'the query was cancelled by the database server; retry shortly';
  }
  if (typeof e?.message === 'string' && POOL_TIMEOUT.test(e.message)) return 'no database connection came free in time: the service is busy; retry shortly';
  return isConnectionFailure(err) ? 'the database is unreachable; retry shortly' : undefined;
}
