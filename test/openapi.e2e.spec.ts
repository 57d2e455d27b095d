import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';
import { getMetadataStorage } from 'class-validator';

/** Nest's `RouteParamtypes.QUERY`: the argument `@Query()` binds. */
const QUERY_ARGUMENT = 4;

interface QueryRoute {
  readonly method: string;
  /** OpenAPI form, `/costs/sessions/{session_id}`. */
  readonly path: string;
  readonly dto: new () => Record<string, unknown>;
}

/** Every route whose handler takes a `@Query()` class, read from the controllers' own metadata. */
function queryRoutes(t: TestApp): QueryRoute[] {
  const routes: QueryRoute[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const controller = metatype as unknown as { prototype: Record<string, unknown> };
      const bases = [Reflect.getMetadata(PATH_METADATA, controller)].flat() as string[];
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { index: number }>;
        const query = Object.entries(args).find(([key]) => key.startsWith(`${QUERY_ARGUMENT}:`))?.[1];
        if (!query) continue;
        const dto = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) as QueryRoute['dto'][])[query.index];
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
        for (const base of bases) {
          const own = Reflect.getMetadata(PATH_METADATA, handler) as string;
          const path = `/${[base, own].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:([A-Za-z0-9_]+)/g, '{$1}');
          routes.push({ method, path, dto });
        }
      }
    }
  }
  return routes;
}

interface ExpectedParameter {
  name: string;
  required: boolean;
  type: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  enum?: string[];
  default?: unknown;
}

/** What a query class accepts, from the class-validator constraints that validate it and the defaults it sets. */
function accepted(dto: QueryRoute['dto']): ExpectedParameter[] {
  const byName = new Map<string, ExpectedParameter>();
  const defaults = new dto();
  for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false)) {
    const p = byName.get(m.propertyName) ?? { name: m.propertyName, required: true, type: 'string' };
    byName.set(m.propertyName, p);
    const [first] = m.constraints ?? [];
    if (m.type === 'conditionalValidation') p.required = false;
    if (m.name === 'isInt') p.type = 'integer';
    if (m.name === 'isBoolean') p.type = 'boolean';
    if (m.name === 'min') p.minimum = first;
    if (m.name === 'max') p.maximum = first;
    if (m.name === 'maxLength') p.maxLength = first;
    if (m.name === 'matches') p.pattern = (first as RegExp).source;
    if (m.name === 'isIn') p.enum = first;
    if (defaults[m.propertyName] !== undefined) p.default = defaults[m.propertyName];
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface DocumentedParameter {
  name: string;
  in: string;
  required: boolean;
  schema: Omit<ExpectedParameter, 'name' | 'required'>;
}

const documented = (parameters: DocumentedParameter[] = []): ExpectedParameter[] =>
  parameters
    .filter((p) => p.in === 'query')
    .map(({ name, required, schema: { type, minimum, maximum, maxLength, pattern, enum: values, default: d } }) =>
      JSON.parse(JSON.stringify({ name, required, type, minimum, maximum, maxLength, pattern, enum: values, default: d })) as ExpectedParameter,
    )
    .sort((a, b) => a.name.localeCompare(b.name));

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route the application serves is in the OpenAPI document served at /docs-json. */
describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents every route, with a response schema and the error shapes', async () => {
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const stack = (t.app.getHttpAdapter().getInstance() as { router: { stack: RouteLayer[] } }).router.stack;
    const served = stack
      .filter((l) => l.route && !l.route.path.startsWith('/docs'))
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
    expect(served.length).toBeGreaterThanOrEqual(19);
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    for (const route of served) {
      const [method, path] = route.split(' ');
      const responses = paths[path][method.toLowerCase()].responses;
      const success = Object.keys(responses).filter((s) => s.startsWith('2'));
      expect({ route, success: success.length > 0 }).toEqual({ route, success: true });
      if (!route.startsWith('GET /health')) expect({ route, unauthorized: '401' in responses }).toEqual({ route, unauthorized: true });
    }
    expect(res.body.components.securitySchemes).toEqual({
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'The same API key as a bearer token.' },
    });
  });

  it('documents every query parameter a read route accepts, with the type, range and default it is validated with', async () => {
    const paths = (await t.http.get('/docs-json')).body.paths as Record<string, Record<string, { parameters?: DocumentedParameter[] }>>;
    const routes = queryRoutes(t).filter((r) => r.method === 'get');
    expect(routes.length).toBeGreaterThanOrEqual(13);
    for (const route of routes) {
      const expected = accepted(route.dto);
      expect({ route: `${route.method} ${route.path}`, parameters: documented(paths[route.path]?.[route.method]?.parameters) }).toEqual({
        route: `${route.method} ${route.path}`,
        parameters: expected,
      });
    }
    // The read routes' parameters the issue names, each documented somewhere.
    const names = new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((op) => documented(op.parameters).map((p) => p.name))));
    for (const name of ['limit', 'cursor', 'include_breakdown', 'include_session_ids', 'execution_id', 'from', 'to', 'granularity', 'group_by', 'tz', 'workspace_id', 'after', 'calls_limit', 'calls_cursor']) {
      expect({ name, documented: names.has(name) }).toEqual({ name, documented: true });
    }
  });

  it('accepts every documented integer inside its range and enum value, and refuses just outside', async () => {
    const key = await t.keyFor(freshWorkspace('openapi'));
    const paths = (await t.http.get('/docs-json')).body.paths as Record<string, Record<string, { parameters?: DocumentedParameter[] }>>;
    /** Whether the route refuses the value, naming the parameter (another parameter's rule may refuse the request too). */
    const refuses = async (path: string, name: string, value: string) => {
      // Admin routes answer a workspace key 403 before they read their query.
      const caller = path.startsWith('/v1/admin/') ? ADMIN_KEY : key;
      const res = await t.http.get(`${path.replace(/\{[^}]+\}/g, 'x')}?${name}=${encodeURIComponent(value)}`).set('x-api-key', caller);
      const fields: unknown[] = res.status === 422 ? res.body.detail.map((d: { loc: string[] }) => d.loc[1]) : res.status === 400 ? res.body.error.details.map((d: { field: string }) => d.field) : [];
      return fields.includes(name);
    };
    for (const [path, ops] of Object.entries(paths)) {
      for (const p of documented(ops.get?.parameters)) {
        const tries: [string, boolean][] = [];
        if (p.minimum !== undefined) tries.push([String(p.minimum), true], [String(p.minimum - 1), false]);
        if (p.maximum !== undefined) tries.push([String(p.maximum), true], [String(p.maximum + 1), false]);
        for (const value of p.enum ?? []) tries.push([value, true]);
        if (p.enum) tries.push(['not-a-value', false]);
        if (p.type === 'boolean') tries.push(['true', true], ['maybe', false]);
        for (const [value, ok] of tries) {
          expect({ path, [p.name]: value, refused: await refuses(path, p.name, value) }).toEqual({ path, [p.name]: value, refused: !ok });
        }
      }
    }
  });

  it('serves the interactive documentation at /docs', async () => {
    const res = await t.http.get('/docs/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
