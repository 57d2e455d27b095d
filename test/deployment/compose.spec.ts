import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ComposeDoc, composeProblems, interpolate, ledgerVariables, readCompose, readEnvFile, ROOT } from './support/compose-rules';

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked
 * against the code: every ledger service's environment must be what loadConfig
 * reads and accepts, and must point at the PostgreSQL and EventStoreDB services
 * that actually run in that mode, with health checks on the right ports.
 */
const example = readEnvFile('deploy/ledger.env.example');
const cluster = readEnvFile('deploy/cluster.env.example');
/** The secrets the example leaves for the operator to fill in. */
const secrets = Object.keys(example).filter((k) => example[k] === '');
const filled = { ...example, ...Object.fromEntries(secrets.map((k) => [k, `test-${k.toLowerCase()}-0123456789`])) };
const single = { vars: filled };
const clustered = { vars: { ...filled, ...cluster } };

describe('docker-compose.yml', () => {
  it('reads the ledger variables from loadConfig', () => {
    expect([...ledgerVariables()].sort()).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING', 'LEDGER_ADMIN_KEY', 'LEDGER_AUTO_REBUILD', 'LEDGER_DATA_DIR', 'LEDGER_PROJECTOR_BATCH', 'LEDGER_ROLE', 'PORT']),
    );
  });

  it('is consistent with a single EventStoreDB node (the default)', () => {
    expect(composeProblems(readCompose(), single)).toEqual([]);
  });

  it('is consistent with the three-node cluster profile', () => {
    expect(clustered.vars.COMPOSE_PROFILES).toBe('cluster');
    expect(composeProblems(readCompose(), clustered)).toEqual([]);
  });

  it('refuses to start while a secret from the example is left empty', () => {
    expect(secrets.sort()).toEqual(['LEDGER_ADMIN_KEY', 'POSTGRES_PASSWORD']);
    expect(unrequiredSecrets(readCompose())).toEqual([]);
  });

  it('builds the image that runs the same entry point as `npm start`', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
    expect(cmd.join(' ')).toBe(start);
  });

  describe('catches a broken file', () => {
    type Env = Record<string, string>;
    const env = (doc: ComposeDoc, service: string) => doc.services[service].environment as Env;
    const health = (doc: ComposeDoc, service: string) => doc.services[service].healthcheck as { test: string[] };
    const cases: [string, (doc: ComposeDoc) => void, RegExp, { vars: Record<string, string>; readFile?: (f: string) => string }?][] = [
      ['a variable the ledger does not read', (d) => {
        env(d, 'api').LEDGER_MODE = env(d, 'api').LEDGER_ROLE;
        delete env(d, 'api').LEDGER_ROLE;
      }, /^api: sets LEDGER_MODE, which the ledger does not read$/],
      ['an invalid role', (d) => void (env(d, 'projector').LEDGER_ROLE = 'worker'), /^projector: Invalid configuration:[\s\S]*LEDGER_ROLE/],
      ['an invalid batch size default', (d) => void (env(d, 'api').LEDGER_PROJECTOR_BATCH = '${LEDGER_PROJECTOR_BATCH_TYPO:-0}'), /^api: Invalid configuration:[\s\S]*LEDGER_PROJECTOR_BATCH/],
      ['no projector at all', (d) => void delete d.services.projector, /^no ledger service runs LEDGER_ROLE=projector$/],
      ['DATABASE_URL on another host', (d) => void (env(d, 'api').DATABASE_URL = env(d, 'api').DATABASE_URL.replace('@postgres:', '@db:')), /^api: DATABASE_URL points at db,/],
      ['DATABASE_URL on another database', (d) => void (env(d, 'api').DATABASE_URL = env(d, 'api').DATABASE_URL.replace(/\/ledger$/, '/ledgers')), /^api: DATABASE_URL's database does not match/],
      ['EventStoreDB on the wrong port', (d) => void (env(d, 'api').EVENTSTORE_CONNECTION_STRING = 'esdb://eventstore:1113?tls=false'), /^api: EVENTSTORE_CONNECTION_STRING uses eventstore:1113, but eventstore listens on 2113$/],
      ['EventStoreDB with TLS against an insecure node', (d) => void (env(d, 'projector').EVENTSTORE_CONNECTION_STRING = 'esdb://eventstore:2113?tls=true'), /^projector: tls=true does not match/],
      ['no EventStoreDB connection', (d) => void delete env(d, 'projector').EVENTSTORE_CONNECTION_STRING, /^projector: EVENTSTORE_CONNECTION_STRING is unset/],
      ['a cluster node left out of the connection string', () => undefined, /^api: EventStoreDB service eventstore-3 runs but is not in/,
        { vars: { ...clustered.vars, EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore-1:2113,eventstore-2:2113?tls=false' } }],
      ['the single node still running beside the cluster', () => undefined, /^api: EventStoreDB service eventstore runs but is not in/,
        { vars: { ...clustered.vars, EVENTSTORE_SINGLE_NODE_REPLICAS: '1' } }],
      ['the cluster string without the cluster profile', () => undefined, /names eventstore-1, which is not a running EventStoreDB service/,
        { vars: { ...clustered.vars, COMPOSE_PROFILES: '' } }],
      ['a health check on another port', (d) => {
        health(d, 'api').test = health(d, 'api').test.map((t) => t.replace(':3000/', ':3001/'));
      }, /^api: the health check calls port 3001, but PORT is 3000$/],
      ['PORT changed without its health check', (d) => void (env(d, 'projector').PORT = '4000'), /^projector: the health check calls port 3000, but PORT is 4000$/],
      ['a service without a health check', (d) => void delete d.services.gateway.healthcheck, /^gateway: no health check$/],
      ['a cluster node without a health check', (d) => void delete d.services['eventstore-2'].healthcheck, /^eventstore-2: no health check$/],
      ['PostgreSQL checked by something else than pg_isready', (d) => void (health(d, 'postgres').test = ['CMD', 'true']), /^postgres: the health check should be pg_isready$/],
      ['EventStoreDB checked on the wrong path', (d) => void (health(d, 'eventstore').test = ['CMD', 'curl', '-f', 'http://localhost:2113/ping']), /^eventstore: the health check should be GET \/health\/live/],
      ['a fixed host port on the replicated API', (d) => void (d.services.api.ports = ['3000:3000']), /^api: 2 replicas cannot share a fixed host port$/],
      ['not waiting for PostgreSQL', (d) => void delete (d.services.api.depends_on as Env).postgres, /^api: should wait for postgres to be healthy$/],
      ['the gateway proxying to the wrong port', () => undefined, /^gateway: nginx proxies to api:3001, but its PORT is 3000$/,
        { vars: filled, readFile: (f) => readFileSync(path.join(ROOT, f), 'utf8').replace('http://api:3000', 'http://api:3001') }],
    ];

    it.each(cases)('%s', (_, mutate, expected, mode = single) => {
      const doc = readCompose();
      mutate(doc);
      expect(composeProblems(doc, mode)).toContainEqual(expect.stringMatching(expected));
    });

    it('an optional secret', () => {
      const doc = readCompose();
      env(doc, 'api').LEDGER_ADMIN_KEY = '${LEDGER_ADMIN_KEY:-}';
      expect(unrequiredSecrets(doc)).toEqual(['LEDGER_ADMIN_KEY']);
    });
  });
});

/** Secrets left empty in the example that some ledger service would take as empty instead of refusing. */
function unrequiredSecrets(doc: ComposeDoc): string[] {
  const missing = secrets.filter((secret) => {
    const vars = { ...example };
    return Object.entries(doc.services).some(([name, s]) =>
      Object.entries((s.environment ?? {}) as Record<string, string>).some(([key, value]) => {
        if (!value.includes(secret)) return false;
        const problems: string[] = [];
        interpolate(value, vars, problems, `${name}.${key}`);
        return !problems.some((p) => p.includes(`${secret} is required`));
      }),
    );
  });
  return missing;
}
