import { NormalizeError } from '../src/normalizers/normalizer';
import { OtlpRecord } from '../src/otlp-model';

/** The NormalizeError a call throws; any other outcome fails the spec. */
export function thrown(fn: () => unknown): NormalizeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NormalizeError) return err;
    throw err;
  }
  throw new Error('expected a NormalizeError');
}

/** The record without one of its own attributes. */
export function without(record: OtlpRecord, key: string): OtlpRecord {
  if (record.signal === 'traces') {
    const { [key]: _, ...attributes } = record.span.attributes;
    return { ...record, span: { ...record.span, attributes } };
  }
  const { [key]: _, ...attributes } = record.log.attributes;
  return { ...record, log: { ...record.log, attributes } };
}
