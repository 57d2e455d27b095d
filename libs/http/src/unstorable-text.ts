import type { FieldProblem } from './ledger-errors';

/** A NUL, or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- the NUL is what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Problems reported for one input; a body full of them is named by its first few. */
const MAX_PROBLEMS = 20;

const problem = (field: string, text: string): FieldProblem => ({
  field,
  message: text.includes('\u0000') ? `${field} must not contain a NUL character (U+0000)` : `${field} must not contain an unpaired UTF-16 surrogate`,
});

/**
 * Every string and key of `value` that PostgreSQL cannot store, named by its path
 * from `root` (e.g. `events[0].session_id`). Neither text nor jsonb accepts a NUL;
 * jsonb refuses the escape of an unpaired surrogate, and text would store U+FFFD
 * in its place, so an id read back would not be the one sent.
 */
export function unstorableText(value: unknown, root = ''): FieldProblem[] {
  const found: FieldProblem[] = [];
  const walk = (v: unknown, path: string): void => {
    if (found.length >= MAX_PROBLEMS) return;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) found.push(problem(path || 'value', v));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    for (const [key, item] of Object.entries(v)) {
      const at = path ? `${path}.${key}` : key;
      if (UNSTORABLE.test(key)) found.push(problem(at, key));
      walk(item, at);
    }
  };
  walk(value, root);
  return found;
}
