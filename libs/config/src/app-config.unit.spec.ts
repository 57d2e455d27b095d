import { ConfigError, loadConfig } from './app-config';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the configuration was accepted');
};

describe('loadConfig', () => {
  it('names a wrong secret and its rule, never its value', () => {
    const env = {
      LEDGER_ADMIN_KEY: 'short-s3cret',
      DATABASE_URL: 'mysql://ledger:hunter2-password@db/ledger',
      EVENTSTORE_CONNECTION_STRING: 'http://admin:changeit-password@esdb:2113',
    };
    const problems = problemsOf(env);
    expect(problems).toEqual([
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
      'LEDGER_ADMIN_KEY must be at least 16 characters',
      'EVENTSTORE_CONNECTION_STRING must be an esdb:// or esdb+discover:// URL',
    ]);
    let message = '';
    try {
      loadConfig(env);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const secret of ['short-s3cret', 'hunter2-password', 'changeit-password']) expect(message).not.toContain(secret);
  });

  it('leaves rate limiting off by default, and bursts one second’s worth unless told', () => {
    expect(loadConfig({}).rateLimit).toBeUndefined();
    expect(loadConfig({ LEDGER_RATE_LIMIT_PER_SECOND: '0' }).rateLimit).toBeUndefined();
    expect(loadConfig({ LEDGER_RATE_LIMIT_PER_SECOND: '2.5' }).rateLimit).toEqual({ perSecond: 2.5, burst: 3 });
    expect(loadConfig({ LEDGER_RATE_LIMIT_PER_SECOND: '10', LEDGER_RATE_LIMIT_BURST: '40' }).rateLimit).toEqual({ perSecond: 10, burst: 40 });
  });

  it('refuses a rate or a burst that is not a number in range', () => {
    expect(problemsOf({ LEDGER_RATE_LIMIT_PER_SECOND: '-1', LEDGER_RATE_LIMIT_BURST: '0' })).toEqual(
      expect.arrayContaining(['LEDGER_RATE_LIMIT_PER_SECOND must be a number', 'LEDGER_RATE_LIMIT_BURST must not be less than 1']),
    );
    expect(problemsOf({ LEDGER_RATE_LIMIT_PER_SECOND: '2000000' })).toEqual(['LEDGER_RATE_LIMIT_PER_SECOND must not be greater than 1000000']);
  });
});

const base = { LEDGER_DATA_DIR: './.ledger-spec' };

describe('loadConfig: observability variables', () => {
  it('reads LOG_LEVEL (default info) and LEDGER_METRICS_TOKEN (unset by default)', () => {
    expect(loadConfig(base)).toMatchObject({ logLevel: 'info', metricsToken: undefined });
    expect(loadConfig({ ...base, LOG_LEVEL: 'debug', LEDGER_METRICS_TOKEN: 'scrape-token-0123456789' })).toMatchObject({
      logLevel: 'debug',
      metricsToken: 'scrape-token-0123456789',
    });
  });

  it('refuses a level pino does not have, and a short metrics token, naming each', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, LOG_LEVEL: 'loud', LEDGER_METRICS_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.filter((p) => p.startsWith('LOG_LEVEL'))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('LEDGER_METRICS_TOKEN'))).toHaveLength(1);
    expect(problems).toHaveLength(2);
  });
});

describe('loadConfig: the read pool', () => {
  it('reads LEDGER_READ_POOL_SIZE (default 10) and LEDGER_READ_TIMEOUT_MS (default 5 s)', () => {
    expect(loadConfig(base).readPool).toEqual({ size: 10, timeoutMs: 5000 });
    expect(loadConfig({ ...base, LEDGER_READ_POOL_SIZE: '4', LEDGER_READ_TIMEOUT_MS: '250' }).readPool).toEqual({ size: 4, timeoutMs: 250 });
  });

  it('refuses an empty pool and a time limit under 100 ms, naming each', () => {
    const problems = problemsOf({ ...base, LEDGER_READ_POOL_SIZE: '0', LEDGER_READ_TIMEOUT_MS: '5' });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['LEDGER_READ_POOL_SIZE', 'LEDGER_READ_TIMEOUT_MS']);
  });
});
