export { withEventLog } from './event-log';
export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { ADMIN_KEY, freshWorkspace, startTestApp } from './test-app';
export type { TestApp, TestEventStore } from './test-app';
export { FIXTURE_PRICE_ROWS } from './fixture-price-rows';
export { otlpFixtures, otlpProtobuf, postOtlp, postOtlpBytes, type OtlpFixture, type PostOtlpOptions } from './otlp';
