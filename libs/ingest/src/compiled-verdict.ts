import { getMetadataStorage, ValidationArguments, ValidationTypes } from 'class-validator';

/** Whether class-validator (whitelist, forbidNonWhitelisted) would find no error in a plain object. */
export type Verdict = (object: Record<string, unknown>) => boolean;

interface Check {
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
  /** Reused between calls: validation is synchronous, and this keeps the hot loop free of allocations. */
  readonly args: { targetName: string; property: string; object: object; value: unknown; constraints: unknown[] };
}

interface PropertyChecks {
  readonly property: string;
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  readonly checks: readonly Check[];
}

const SUPPORTED = new Set<string>([ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.CONDITIONAL_VALIDATION]);

/**
 * Compiles the class-validator decorators of a DTO into a yes/no check that
 * calls the same constraint functions, without class-validator's per-call
 * metadata lookup and error objects (most of ingest's CPU). The decorators stay
 * the single source of truth: this reads them, and errors are still reported by
 * class-validator itself, so only the verdict is computed here. Anything it
 * cannot reproduce exactly (nested, async, `each`, groups, validateIf) is
 * refused when compiling, not approximated.
 */
export function compileVerdict(cls: new () => object): Verdict {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls, '', false, false, undefined);
  const grouped = storage.groupByPropertyName(metadatas);
  const properties: PropertyChecks[] = Object.entries(grouped).map(([property, list]) => {
    const conditions: PropertyChecks['conditions'][number][] = [];
    const checks: Check[] = [];
    for (const m of list) {
      if (!SUPPORTED.has(m.type) || m.each || m.validateIf || m.groups?.length || m.always) {
        throw new Error(`compileVerdict(${cls.name}): ${property} uses a ${m.type} rule this compiler does not reproduce`);
      }
      if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        conditions.push(m.constraints[0] as PropertyChecks['conditions'][number]);
        continue;
      }
      for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
        if (c.async) throw new Error(`compileVerdict(${cls.name}): ${property} has an async constraint`);
        const instance = c.instance as { validate: Check['validate'] };
        checks.push({
          validate: instance.validate.bind(instance),
          args: { targetName: cls.name, property, object: {}, value: undefined, constraints: m.constraints },
        });
      }
    }
    return { property, conditions, checks };
  });
  const known = new Set(properties.map((p) => p.property));

  return (object) => {
    for (const key in object) {
      if (Object.prototype.hasOwnProperty.call(object, key) && !known.has(key)) return false;
    }
    for (const p of properties) {
      const value = object[p.property];
      let skip = false;
      for (const condition of p.conditions) if (!condition(object, value)) skip = true;
      if (skip) continue;
      for (const check of p.checks) {
        check.args.object = object;
        check.args.value = value;
        const ok = check.validate(value, check.args);
        // A promise would be an async rule; compile time already refuses those.
        if (!ok || ok instanceof Promise) return false;
      }
    }
    return true;
  };
}
