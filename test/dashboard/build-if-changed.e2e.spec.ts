import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TOOL = path.resolve(__dirname, '../../tools/build-if-changed.mjs');

/**
 * `npm start`'s prestart with a dashboard (issue 18), as a real process in a scratch project whose `build` only
 * counts its runs: every file under apps/dashboard is a source, and a dist/ without the dashboard's build is no build.
 */
describe('npm start rebuilds the dashboard when its sources change', () => {
  let dir: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  const builds = () => (existsSync(path.join(dir, 'builds')) ? readFileSync(path.join(dir, 'builds'), 'utf8').length : 0);
  const prestart = () => {
    const run = spawnSync(process.execPath, ['tools/build-if-changed.mjs'], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`prestart exited ${run.status}: ${run.stderr}`);
    return run.stdout.split('\n')[0];
  };
  const UP_TO_DATE = 'dist/ is up to date with the sources: starting without a build';
  const CHANGED = 'the sources changed since the last build: building';

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'build-if-changed-dashboard-'));
    cpSync(TOOL, path.join(dir, 'tools/build-if-changed.mjs'));
    const fakeBuild =
      `node -e "const fs=require('fs');fs.rmSync('dist',{recursive:true,force:true});fs.mkdirSync('dist/apps/ledger/src',{recursive:true});` +
      `fs.writeFileSync('dist/apps/ledger/src/main.js','');fs.mkdirSync('dist/dashboard');fs.writeFileSync('dist/dashboard/index.html','');fs.appendFileSync('builds','x')"`;
    write('package.json', JSON.stringify({ name: 'probe', private: true, scripts: { build: fakeBuild, postbuild: 'node tools/build-if-changed.mjs --record' } }));
    write('package-lock.json', '{"lockfileVersion":3}');
    write('apps/ledger/src/main.ts', 'export const a = 1;\n');
    write('apps/dashboard/index.html', '<!doctype html>\n');
    write('apps/dashboard/src/app.tsx', 'export const App = () => null;\n');
    write('apps/dashboard/src/styles.css', 'body { margin: 0; }\n');
    write('apps/dashboard/TESTIDS.md', '# test ids\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds when a page, a stylesheet or the html changed, not for its notes', () => {
    expect(prestart()).toBe('no build yet: building');
    expect(prestart()).toBe(UP_TO_DATE);
    for (const [file, text] of [['apps/dashboard/src/app.tsx', 'export const App = () => 1;\n'], ['apps/dashboard/src/styles.css', 'body { margin: 1px; }\n'], ['apps/dashboard/index.html', '<!doctype html><title>x</title>\n']]) {
      write(file, text);
      expect({ file, prestart: prestart() }).toEqual({ file, prestart: CHANGED });
      expect(prestart()).toBe(UP_TO_DATE);
    }
    write('apps/dashboard/TESTIDS.md', '# test ids, reworded\n');
    expect(prestart()).toBe(UP_TO_DATE);
    expect(builds()).toBe(4);
  });

  it('builds when dist/ holds the service but not the dashboard (a nest build alone)', () => {
    rmSync(path.join(dir, 'dist', 'dashboard'), { recursive: true });
    expect(prestart()).toBe('no build yet: building');
    expect(existsSync(path.join(dir, 'dist', 'dashboard', 'index.html'))).toBe(true);
    expect(prestart()).toBe(UP_TO_DATE);
  });
});
