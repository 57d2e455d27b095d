export { createLogger, logsWritten, NestPinoLogger } from './logger';
export { MetricsRegistry } from './metrics-registry';
export { OBSERVABILITY_OPTIONS, ObservabilityModule, REQUEST_LOGGER } from './observability.module';
export type { ObservabilityOptions } from './observability.module';
export { observeRequests, REQUEST_ID_HEADER, routeTemplate } from './request-observer';
