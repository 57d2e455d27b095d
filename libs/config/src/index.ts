export { ConfigError, loadConfig, LOG_LEVELS } from './app-config';
export type { AppConfig, LedgerRole, LogLevel } from './app-config';
export { Clock } from './clock';
