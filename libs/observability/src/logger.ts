import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import pretty from 'pino-pretty';

/** Headers that carry keys: never written, whatever logs a request object. */
const SECRET_PATHS = ['req.headers["x-api-key"]', 'req.headers.authorization', 'headers["x-api-key"]', 'headers.authorization'];

/**
 * The process's log: one JSON object a line, unless stdout is a terminal, where a person
 * reads it (pino-pretty, coloured). A file or a pipe never gets colour codes.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const out = destination ?? (process.stdout.isTTY ? pretty(PRETTY) : stdoutLines());
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    },
    out,
  );
}

let stdout: DestinationStream | undefined;

/**
 * Stdout written asynchronously, shared by every logger of the process so that their lines keep
 * their order. A synchronous write per request line was a tenth of a busy service's CPU; written
 * asynchronously, the lines that arrive while a write is in flight go out together in the next.
 * pino flushes what is left when the process exits.
 */
function stdoutLines(): DestinationStream {
  return (stdout ??= pino.destination({ dest: 1, sync: false }));
}

/**
 * Resolves once every line logged so far has been written (or after `ms`). Call it before `process.exit`: the
 * exit hook writes what is buffered synchronously, which can overtake a write still in flight, and the
 * process's last lines would come out of order.
 */
export function logsWritten(ms = 500): Promise<void> {
  const out = stdout as (DestinationStream & { _writing?: boolean; once(event: 'drain', listener: () => void): unknown }) | undefined;
  // sonic-boom says whether a write is in flight only through this field; without one there is nothing to wait for.
  if (!out?._writing) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    out.once('drain', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** On a terminal: `[Context] message`, and a request as `GET /costs/sessions/s1 200 3ms`, other fields inline. */
const PRETTY = {
  colorize: true,
  singleLine: true,
  // In order with the service's other logger (requests and Nest's lines are written by two).
  sync: true,
  translateTime: 'SYS:HH:MM:ss.l',
  messageFormat: '{if context}[{context}] {end}{msg}{if status}: {method} {url} {status} {duration_ms}ms{end}',
  ignore: 'pid,hostname,context,method,url,route,status,duration_ms',
};

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's logger interface over pino: every `new Logger(context)` in the service writes
 * through it, with its context as a field. Nest passes the context as the last argument,
 * and for errors a stack (or undefined) before it.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (params.length && typeof params[params.length - 1] === 'string') fields.context = params.pop();
    const stack = level === 'error' || level === 'fatal' ? params.find((p): p is string => typeof p === 'string') : undefined;
    if (stack) fields.stack = stack;
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (message && typeof message === 'object') this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
