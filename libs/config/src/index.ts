export { ConfigError, loadConfig } from './app-config';
export type { AppConfig, LedgerRole } from './app-config';
export { Clock } from './clock';
