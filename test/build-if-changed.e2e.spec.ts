import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TOOL = path.resolve(__dirname, '../tools/build-if-changed.mjs');

/**
 * `npm start`'s prestart (tools/build-if-changed.mjs) as a real process, in a scratch
 * project whose `build` script only counts its runs, so that no real build is paid for.
 */
describe('npm start builds only when the sources changed', () => {
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

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'build-if-changed-'));
    cpSync(TOOL, path.join(dir, 'tools/build-if-changed.mjs'));
    const fakeBuild = `node -e "const fs=require('fs');fs.rmSync('dist',{recursive:true,force:true});fs.mkdirSync('dist/apps/ledger/src',{recursive:true});fs.writeFileSync('dist/apps/ledger/src/main.js','');fs.appendFileSync('builds','x')"`;
    write('package.json', JSON.stringify({ name: 'probe', private: true, scripts: { build: fakeBuild, postbuild: 'node tools/build-if-changed.mjs --record' } }));
    write('package-lock.json', '{"lockfileVersion":3}');
    write('apps/ledger/src/main.ts', 'export const a = 1;\n');
    write('libs/pricing/catalog/genai-prices.snapshot.json', '{"rows":[]}');
    write('libs/pricing/src/price.unit.spec.ts', 'test;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds on the first start, then starts without building until a source changes', () => {
    expect(prestart()).toBe('no build yet: building');
    expect(builds()).toBe(1);
    expect(prestart()).toBe('dist/ is up to date with the sources: starting without a build');
    expect(builds()).toBe(1);

    write('apps/ledger/src/main.ts', 'export const a = 2;\n');
    expect(prestart()).toBe('the sources changed since the last build: building');
    expect(prestart()).toBe('dist/ is up to date with the sources: starting without a build');
    write('libs/pricing/catalog/genai-prices.snapshot.json', '{"rows":[1]}');
    expect(prestart()).toBe('the sources changed since the last build: building');
    write('package-lock.json', '{"lockfileVersion":3,"packages":{}}');
    expect(prestart()).toBe('the sources changed since the last build: building');
    expect(builds()).toBe(4);

    // Specs are not built.
    write('libs/pricing/src/price.unit.spec.ts', 'test; test;\n');
    expect(prestart()).toBe('dist/ is up to date with the sources: starting without a build');
    expect(builds()).toBe(4);
  });

  it('builds again when dist/ was emptied, or a build was run by hand and then a source changed', () => {
    rmSync(path.join(dir, 'dist'), { recursive: true });
    expect(prestart()).toBe('no build yet: building');
    const before = builds();
    expect(spawnSync('npm', ['run', 'build'], { cwd: dir }).status).toBe(0);
    expect(prestart()).toBe('dist/ is up to date with the sources: starting without a build');
    write('apps/ledger/src/extra.ts', 'export const b = 1;\n');
    expect(prestart()).toBe('the sources changed since the last build: building');
    expect(builds()).toBe(before + 2);
  });
});
