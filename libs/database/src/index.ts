export { createDataSource, MIGRATIONS, openDatabase } from './data-source';
export { lockDataDir } from './data-dir-lock';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedDatabase } from './embedded-postgres';
export { READ_MODEL_SCHEMA } from './read-model-name';
export { DatabaseModule, PG_POOL, READ_POOL } from './database.module';
export type { DatabaseOptions, ReadPoolOptions } from './database.module';
export { inTransaction } from './transaction';
