import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppConfig, loadConfig } from '@ledger/config';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');

/** A compose file as YAML gives it: anchors merged, `${...}` not yet substituted. */
export type ComposeDoc = { services: Record<string, Service> } & Record<string, unknown>;
type Service = Record<string, unknown>;

export function readCompose(file = 'docker-compose.yml'): ComposeDoc {
  const doc = parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true }) as ComposeDoc;
  // Merged anchors share objects between services; a plain copy lets a spec mutate one service.
  return JSON.parse(JSON.stringify(doc)) as ComposeDoc;
}

/** KEY=VALUE lines of an env file, as `docker compose --env-file` reads them. */
export function readEnvFile(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2].trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return vars;
}

/** The variables the ledger reads: `loadConfig` is handed an environment that records every lookup. */
export function ledgerVariables(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  loadConfig(env);
  return read;
}

/** Compose's substitution: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. */
export function interpolate(text: string, vars: Record<string, string>, problems: string[], where: string): string {
  return text.replace(/\$(?:\$|([A-Za-z_]\w*)|\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\})/g, (all, bare, name, colon, op, arg) => {
    if (all === '$$') return '$';
    const key = bare ?? name;
    const value = vars[key];
    const missing = value === undefined || (colon === ':' && value === '');
    if (op === '-') return missing ? arg : value;
    if (op === '?' && missing) {
      problems.push(`${where}: ${key} is required: ${arg}`);
      return '';
    }
    return value ?? '';
  });
}

function substitute<T>(node: T, vars: Record<string, string>, problems: string[], where: string): T {
  if (typeof node === 'string') return interpolate(node, vars, problems, where) as T;
  if (Array.isArray(node)) return node.map((n) => substitute(n, vars, problems, where)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, vars, problems, `${where}.${k}`)])) as T;
  }
  return node;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const healthcheckText = (s: Service) => asList((s.healthcheck as { test?: unknown } | undefined)?.test).join(' ');
const environment = (s: Service): Record<string, string> => {
  const env = s.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e: string) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')]));
};
const dependsOn = (s: Service): Record<string, { condition?: string }> => {
  const d = s.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n: string) => [n, { condition: 'service_started' }])) : (d as Record<string, { condition?: string }>);
};
const replicas = (s: Service) => Number((s.deploy as { replicas?: unknown } | undefined)?.replicas ?? s.scale ?? 1);
const image = (s: Service) => String(s.image ?? '');
const isEventStore = (s: Service) => /eventstore|kurrent/i.test(image(s));
const isPostgres = (s: Service) => /^postgres(:|$)/.test(image(s));
/** EventStoreDB serves gRPC and HTTP on one port, 2113 unless the node says otherwise. */
const esdbPort = (s: Service) => Number(environment(s).EVENTSTORE_NODE_PORT ?? environment(s).EVENTSTORE_HTTP_PORT ?? 2113);

/** Hosts and ports of an `esdb://a:2113,b:2113?tls=false` string (the URL class takes one host only). */
export function esdbEndpoints(connection: string): { hosts: { host: string; port: number }[]; params: URLSearchParams } {
  const m = /^esdb(?:\+discover)?:\/\/(?:[^@/]*@)?([^/?]+)\/?(?:\?(.*))?$/.exec(connection);
  if (!m) return { hosts: [], params: new URLSearchParams() };
  const hosts = m[1].split(',').map((h) => {
    const [host, port] = h.split(':');
    return { host, port: Number(port ?? 2113) };
  });
  return { hosts, params: new URLSearchParams(m[2] ?? '') };
}

export interface ComposeMode {
  /** What `--env-file` gives compose, in order. */
  readonly vars: Record<string, string>;
  /** Extra files the rules read, relative to the repo root (nginx.conf mounted into the gateway). */
  readonly readFile?: (file: string) => string;
}

/**
 * Everything wrong with the compose file for one set of `--env-file` variables.
 * The ledger services are the ones built from this repo; each is checked against
 * what `loadConfig` accepts and against the services it points at.
 */
export function composeProblems(raw: ComposeDoc, mode: ComposeMode): string[] {
  const problems: string[] = [];
  const readFile = mode.readFile ?? ((file: string) => readFileSync(path.join(ROOT, file), 'utf8'));
  const profiles = new Set((mode.vars.COMPOSE_PROFILES ?? '').split(',').filter(Boolean));
  const services = substitute(raw.services, mode.vars, problems, 'services');
  const active = Object.fromEntries(
    Object.entries(services).filter(([, s]) => {
      const own = asList(s.profiles) as string[];
      return (own.length === 0 || own.some((p) => profiles.has(p))) && replicas(s) > 0;
    }),
  );
  const variables = ledgerVariables();

  for (const [name, s] of Object.entries(services)) {
    if (!s.healthcheck || (s.healthcheck as { disable?: boolean }).disable || !healthcheckText(s)) problems.push(`${name}: no health check`);
    const fixedHostPort = asList(s.ports).some((p) => (typeof p === 'object' ? (p as { published?: unknown }).published !== undefined : String(p).includes(':')));
    if (fixedHostPort && replicas(s) > 1) problems.push(`${name}: ${replicas(s)} replicas cannot share a fixed host port`);
  }
  for (const [name, s] of Object.entries(active)) {
    if (isPostgres(s) && !/pg_isready/.test(healthcheckText(s))) problems.push(`${name}: the health check should be pg_isready`);
    if (isEventStore(s) && !new RegExp(`https?://(localhost|127\\.0\\.0\\.1):${esdbPort(s)}/health/live`).test(healthcheckText(s))) {
      problems.push(`${name}: the health check should be GET /health/live on port ${esdbPort(s)}`);
    }
  }

  const ledger = Object.entries(active).filter(([, s]) => s.build !== undefined);
  const roles = new Map<string, string>();
  for (const [name, s] of ledger) {
    const env = environment(s);
    for (const key of Object.keys(env)) if (!variables.has(key)) problems.push(`${name}: sets ${key}, which the ledger does not read`);
    let config: AppConfig;
    try {
      config = loadConfig(env);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    roles.set(name, config.role);
    if (config.role === 'all') problems.push(`${name}: LEDGER_ROLE=all is the single-process mode; a scaled deployment runs api and projector`);

    const check = healthcheckText(s).match(/https?:\/\/(?:localhost|127\.0\.0\.1):(\d+)\/health\b/);
    if (!check) problems.push(`${name}: the health check should be GET /health on the ledger's port`);
    else if (Number(check[1]) !== config.port) problems.push(`${name}: the health check calls port ${check[1]}, but PORT is ${config.port}`);
    const exposed = [...asList(s.expose), ...asList(s.ports)].map((p) => Number(typeof p === 'object' ? (p as { target: unknown }).target : String(p).split(':').at(-1)));
    if (exposed.some((p) => p !== config.port)) problems.push(`${name}: exposes ${exposed.join(', ')}, but PORT is ${config.port}`);

    const needs = dependsOn(s);
    if (!config.databaseUrl) problems.push(`${name}: DATABASE_URL is unset, so each replica would run its own embedded PostgreSQL`);
    else {
      const db = new URL(config.databaseUrl);
      const pg = active[db.hostname];
      if (!pg || !isPostgres(pg)) problems.push(`${name}: DATABASE_URL points at ${db.hostname}, which is not a PostgreSQL service`);
      else {
        const pgEnv = environment(pg);
        const expected = { port: '5432', user: pgEnv.POSTGRES_USER ?? 'postgres', password: pgEnv.POSTGRES_PASSWORD, database: pgEnv.POSTGRES_DB ?? pgEnv.POSTGRES_USER ?? 'postgres' };
        const actual = { port: db.port || '5432', user: decodeURIComponent(db.username), password: decodeURIComponent(db.password), database: db.pathname.slice(1) };
        for (const k of Object.keys(expected) as (keyof typeof expected)[]) {
          if (actual[k] !== expected[k]) problems.push(`${name}: DATABASE_URL's ${k} does not match the ${db.hostname} service`);
        }
        if (needs[db.hostname]?.condition !== 'service_healthy') problems.push(`${name}: should wait for ${db.hostname} to be healthy`);
      }
    }

    const esdbServices = Object.keys(active).filter((n) => isEventStore(active[n]));
    if (!config.eventStoreConnectionString) {
      if (esdbServices.length) problems.push(`${name}: EVENTSTORE_CONNECTION_STRING is unset, so EventStoreDB (${esdbServices.join(', ')}) goes unused`);
    } else {
      const { hosts, params } = esdbEndpoints(config.eventStoreConnectionString);
      for (const { host, port } of hosts) {
        const node = active[host];
        if (!node || !isEventStore(node)) problems.push(`${name}: EVENTSTORE_CONNECTION_STRING names ${host}, which is not a running EventStoreDB service`);
        else {
          if (port !== esdbPort(node)) problems.push(`${name}: EVENTSTORE_CONNECTION_STRING uses ${host}:${port}, but ${host} listens on ${esdbPort(node)}`);
          const insecure = environment(node).EVENTSTORE_INSECURE === 'true';
          if (insecure !== (params.get('tls') === 'false')) problems.push(`${name}: tls=${params.get('tls')} does not match ${host}'s EVENTSTORE_INSECURE`);
          if (needs[host]?.condition !== 'service_healthy') problems.push(`${name}: should wait for ${host} to be healthy`);
        }
      }
      const listed = new Set(hosts.map((h) => h.host));
      for (const n of esdbServices) if (!listed.has(n)) problems.push(`${name}: EventStoreDB service ${n} runs but is not in EVENTSTORE_CONNECTION_STRING`);
    }
  }
  for (const role of ['api', 'projector']) {
    if (![...roles.values()].includes(role)) problems.push(`no ledger service runs LEDGER_ROLE=${role}`);
  }

  // The gateway: nginx.conf's upstream must be the api service on its PORT.
  for (const [name, s] of Object.entries(active)) {
    const conf = asList(s.volumes).map(String).find((v) => v.includes('nginx.conf'));
    if (!conf) continue;
    const text = readFile(conf.split(':')[0].replace(/^\.\//, ''));
    for (const [, host, port] of text.matchAll(/http:\/\/([\w-]+):(\d+)/g)) {
      const target = active[host];
      if (!target || roles.get(host) !== 'api') problems.push(`${name}: nginx proxies to ${host}, which is not a ledger api service`);
      else if (Number(port) !== Number(environment(target).PORT)) problems.push(`${name}: nginx proxies to ${host}:${port}, but its PORT is ${environment(target).PORT}`);
    }
    const listen = /listen\s+(\d+)/.exec(text)?.[1];
    const published = asList(s.ports).map((p) => String(p).split(':').at(-1));
    if (!listen || !published.includes(listen)) problems.push(`${name}: publishes ${published.join(', ')}, but nginx listens on ${listen}`);
    if (!healthcheckText(s).includes(`:${listen}/`)) problems.push(`${name}: the health check does not call nginx's port ${listen}`);
  }
  return problems;
}
