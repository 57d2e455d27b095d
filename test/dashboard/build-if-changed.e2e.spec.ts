import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { prestartProbe } from '../support/prestart-probe';

/**
 * `npm start`'s prestart with a dashboard (issue 18), as a real process in a scratch project whose `build` only
 * counts its runs: every file under apps/dashboard is a source, and a dist/ without the dashboard's build is no build.
 */
describe('npm start rebuilds the dashboard when its sources change', () => {
  const { dir, write, builds, prestart, remove } = prestartProbe('build-if-changed-dashboard', ['dist/apps/ledger/src/main.js', 'dist/dashboard/index.html']);
  const UP_TO_DATE = 'dist/ is up to date with the sources: starting without a build';
  const CHANGED = 'the sources changed since the last build: building';

  beforeAll(() => {
    write('apps/ledger/src/main.ts', 'export const a = 1;\n');
    write('apps/dashboard/index.html', '<!doctype html>\n');
    write('apps/dashboard/src/app.tsx', 'export const App = () => null;\n');
    write('apps/dashboard/src/styles.css', 'body { margin: 0; }\n');
    write('apps/dashboard/TESTIDS.md', '# test ids\n');
  });
  afterAll(remove);

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
