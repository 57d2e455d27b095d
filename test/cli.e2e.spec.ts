import type { AddressInfo } from 'node:net';
import { ADMIN_KEY, startTestApp, TestApp } from '@ledger/testing';
import { ledgerCli } from './deployment/support/ledger-cli';
import { freePort } from './deployment/support/ledger-process';

describe('npm run ledger (the command line, as a real process)', () => {
  it.each(['--help', '-h', 'help', 'rebuild --help', 'catalog import --help'])('"%s" prints the commands and their options and exits 0', async (line) => {
    const args = line.split(' ');
    const run = await ledgerCli(args);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Usage: npm run ledger -- <command> [options]');
    for (const line of ['rebuild', '--reason "why"', '--from-log', 'catalog import [FILE]', '--apply', '--json', 'LEDGER_URL', 'LEDGER_ADMIN_KEY']) {
      expect(run.stdout).toContain(line);
    }
  });

  it.each([
    [[], 'name a command'],
    [['rebiuld'], 'unknown command "rebiuld"'],
    [['rebuild', '--form-log'], "Unknown option '--form-log'"],
    [['catalog'], 'name a catalog command: import'],
    [['catalog', 'import', 'a.json', 'b.json'], 'unexpected argument "b.json"'],
    [['catalog', 'import', '--aply'], "Unknown option '--aply'"],
  ])('%j is a usage error: exit 2, the problem and the help on stderr', async (args, problem) => {
    const run = await ledgerCli(args, { LEDGER_ADMIN_KEY: ADMIN_KEY });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toContain(problem);
    expect(run.stderr).toContain('Usage: npm run ledger -- <command> [options]');
  });

  it('names the URL and says the service is not reachable when nothing listens there', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await ledgerCli(['rebuild'], { LEDGER_URL: url, LEDGER_ADMIN_KEY: ADMIN_KEY });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `the ledger service at ${url} is not reachable (ECONNREFUSED): start it with npm start, or set LEDGER_URL to where it listens\n`,
    });
  });

  describe('against a running service', () => {
    let t: TestApp;
    let url: string;
    beforeAll(async () => {
      t = await startTestApp();
      await t.app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await t.close();
    });

    it('queues a rebuild and follows it to the end', async () => {
      const run = await ledgerCli(['rebuild', '--reason', 'from the CLI spec'], { LEDGER_URL: url, LEDGER_ADMIN_KEY: ADMIN_KEY });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const id = /^rebuild (\d+) queued$/m.exec(run.stdout)?.[1];
      expect(id).toBeDefined();
      expect(run.stdout).toContain('rebuild done: the restated read model is live');
      const { rows } = await t.db.pool.query(`SELECT reason, source, state FROM projection_rebuilds WHERE id = $1`, [id]);
      expect(rows).toEqual([{ reason: 'from the CLI spec', source: 'facts', state: 'done' }]);
    });

    it('reports the service refusing a wrong key', async () => {
      const run = await ledgerCli(['rebuild'], { LEDGER_URL: url, LEDGER_ADMIN_KEY: 'not-the-admin-key-000' });
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(/^POST \/v1\/admin\/projections\/rebuild: 401 [^\n]*API key\n$/);
    });
  });
});
