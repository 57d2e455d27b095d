import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { prestartProbe } from './support/prestart-probe';

/**
 * `npm start`'s prestart (tools/build-if-changed.mjs) as a real process, in a scratch
 * project whose `build` script only counts its runs, so that no real build is paid for.
 */
describe('npm start builds only when the sources changed', () => {
  const { dir, write, builds, prestart, remove } = prestartProbe('build-if-changed', ['dist/apps/ledger/src/main.js']);

  beforeAll(() => {
    write('apps/ledger/src/main.ts', 'export const a = 1;\n');
    write('libs/pricing/catalog/genai-prices.snapshot.json', '{"rows":[]}');
    write('libs/pricing/src/price.unit.spec.ts', 'test;\n');
  });
  afterAll(remove);

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
