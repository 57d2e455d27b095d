import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NextFunction, Request, Response } from 'express';

export interface RecordedResponse {
  readonly method: string;
  /** The Express route, e.g. `/costs/sessions/:session_id`. */
  readonly route: string;
  readonly status: number;
  readonly body: unknown;
}

type Json = Record<string, unknown>;

/** Express middleware that records every JSON response of a routed request. */
export function recordResponses(into: RecordedResponse[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const route = (req as Request & { route?: { path?: string } }).route?.path;
      if (route) into.push({ method: req.method.toLowerCase(), route, status: res.statusCode, body });
      return json(body);
    };
    next();
  };
}

/** OpenAPI 3.0's `nullable` is not JSON Schema: rewrite it so Ajv understands it. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) if (k !== 'nullable' && k !== 'example') out[k] = toJsonSchema(v);
  if ((node as Json).nullable === true) {
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    // A nullable reference (`allOf: [$ref]`) is an object or null: the reference itself does not admit null.
    if (typeof out.type === 'string' && !out.allOf) return { ...out, type: [out.type, 'null'] };
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const openApiPath = (route: string) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Checks every recorded response against the schema the OpenAPI document gives
 * for its route and status. Returns one line per mismatch.
 */
export function conformanceProblems(document: Json, responses: readonly RecordedResponse[]): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: toJsonSchema(document.components) as Json });
  const compiled = new Map<string, ValidateFunction>();
  const problems = new Set<string>();
  const paths = document.paths as Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Json }> }> }>>;
  for (const r of responses) {
    const where = `${r.method.toUpperCase()} ${openApiPath(r.route)} ${r.status}`;
    const operation = paths[openApiPath(r.route)]?.[r.method];
    if (!operation) {
      problems.add(`${where}: route not in the OpenAPI document`);
      continue;
    }
    const schema = operation.responses?.[String(r.status)]?.content?.['application/json']?.schema;
    if (!schema) {
      problems.add(`${where}: status not documented`);
      continue;
    }
    let validate = compiled.get(where);
    if (!validate) {
      const resolved = JSON.parse(JSON.stringify(toJsonSchema(schema)).replace(/"#\/components\//g, '"openapi#/components/'));
      validate = ajv.compile(resolved);
      compiled.set(where, validate);
    }
    if (!validate(r.body)) problems.add(`${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(r.body).slice(0, 300)}`);
  }
  return [...problems];
}
