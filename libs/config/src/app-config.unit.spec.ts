import { ConfigError, loadConfig } from './app-config';

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
