import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger } from './logger';

/** A pino logger whose lines land in an array, with the fields a line always has removed. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const { time: _t, pid: _p, hostname: _h, ...rest } = JSON.parse(chunk.toString());
      lines.push(rest);
      done();
    },
  });
  return { lines, logger: new NestPinoLogger(createLogger(level, sink)) };
}

describe('NestPinoLogger', () => {
  it('maps Nest\'s calls to pino levels, with the context as a field and an error\'s stack', () => {
    const { lines, logger } = capture('debug');
    logger.log('listening', 'CostLedger');
    logger.error('rebuild 3 failed', 'Error: x\n    at y', 'Projector');
    logger.error('no stack', undefined, 'Projector');
    logger.warn({ lag: 3 }, 'Projector');
    logger.debug('detail');
    logger.verbose('below the level');
    expect(lines).toEqual([
      { level: 'info', context: 'CostLedger', msg: 'listening' },
      { level: 'error', context: 'Projector', stack: 'Error: x\n    at y', msg: 'rebuild 3 failed' },
      { level: 'error', context: 'Projector', msg: 'no stack' },
      { level: 'warn', context: 'Projector', lag: 3 },
      { level: 'debug', msg: 'detail' },
    ]);
  });

  it('writes nothing below LOG_LEVEL, and never a key a request object carries', () => {
    const { lines, logger } = capture('warn');
    logger.log('quiet');
    logger.warn({ req: { headers: { 'x-api-key': 'clk_secret', authorization: 'Bearer clk_secret', accept: '*/*' } } }, 'Http');
    expect(lines).toEqual([
      { level: 'warn', context: 'Http', req: { headers: { 'x-api-key': '[redacted]', authorization: '[redacted]', accept: '*/*' } } },
    ]);
  });
});
