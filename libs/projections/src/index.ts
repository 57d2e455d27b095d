export { batched } from './batched';
export type { EventBatch } from './batched';
export { toCostFact } from './cost-fact';
export type { CostFact } from './cost-fact';
export { applyCostBatch, COST_PROJECTION, readCheckpoint } from './cost.projection';
export { CostProjector, USAGE_EVENT_FILTER } from './cost-projector';
export type { ProjectorOptions, ProjectorProgress } from './cost-projector';
