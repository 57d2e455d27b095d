/**
 * The live read model's schema. Its shape (tables, columns, indexes) belongs to the projections, which
 * derive it from the price model; this lib only names it, so migrations can drop it when the shape changes.
 */
export const READ_MODEL_SCHEMA = 'read_model';
