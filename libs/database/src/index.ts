export { createDataSource, MIGRATIONS, openDatabase } from './data-source';
export { lockDataDir } from './data-dir-lock';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedDatabase } from './embedded-postgres';
export {
  modelBandMatch,
  pricedFacts,
  pricedFactsView,
  READ_MODEL_SCHEMA,
  readModel,
  readModelIndexes,
  readModelKeys,
  readModelTables,
  tokenCost,
  toolBandMatch,
  toolCost,
} from './read-model.schema';
export { DatabaseModule, PG_POOL } from './database.module';
export { inTransaction } from './transaction';
