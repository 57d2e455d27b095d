/* global process, console */
// `npm start` builds only when what the build reads changed since the last build, so that a
// restart does not pay a full `nest build` (about 25 s here) for nothing. What it reads is
// hashed (contents, not times: a checkout that restores a file restores its hash) and the
// hash is kept beside the output, in dist/, which `nest build` empties first: a failed or
// interrupted build leaves no hash, and the next start builds again.
//
//   node tools/build-if-changed.mjs           build (npm run build) unless dist/ is up to date
//   node tools/build-if-changed.mjs --record  note that dist/ was just built (npm's postbuild)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.sources.sha256');
const entry = path.join(root, 'dist', 'apps', 'ledger', 'src', 'main.js');
/** The dashboard's Vite project: every file of it is a source (pages, styles, html, images), and its build must exist too. */
const dashboard = path.join('apps', 'dashboard');
const dashboardEntry = path.join(root, 'dist', 'dashboard', 'index.html');
/** What tsconfig.build.json and the packages' tsconfigs compile (specs and test helpers are not built), and what steers the build. */
const sourceDirs = ['apps', 'libs', 'bench', 'packages'];
const configFiles = ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];
const isSource = (file) =>
  (file.endsWith('.ts') && !file.endsWith('.spec.ts')) ||
  (file.endsWith('.json') && !file.startsWith(path.join('bench', 'results'))) ||
  (file.startsWith(dashboard + path.sep) && !/\.(md|spec\.tsx?)$/.test(file));

function* filesUnder(dir) {
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      // A package's dist/ is build output (its .d.ts files would otherwise count as sources).
      if (e.name !== 'node_modules' && e.name !== 'testing' && e.name !== 'dist') yield* filesUnder(rel);
    } else if (isSource(rel)) yield rel;
  }
}

function sourcesHash() {
  const hash = createHash('sha256');
  const present = (f) => existsSync(path.join(root, f));
  const files = [...sourceDirs.filter(present).flatMap((d) => [...filesUnder(d)]), ...configFiles.filter(present)].sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update('\0');
  return hash.digest('hex');
}

/** A `nest build` alone (no dashboard) is not a build to start from. */
const built = () => existsSync(entry) && (!existsSync(path.join(root, dashboard)) || existsSync(dashboardEntry));

const current = sourcesHash();
if (process.argv.includes('--record')) {
  writeFileSync(stamp, `${current}\n`);
} else if (built() && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === current) {
  console.log('dist/ is up to date with the sources: starting without a build');
} else {
  console.log(built() ? 'the sources changed since the last build: building' : 'no build yet: building');
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
