import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TOOL = path.resolve(__dirname, '../../tools/build-if-changed.mjs');

export interface PrestartProbe {
  readonly dir: string;
  write(file: string, text: string): void;
  /** How many times the project's `build` ran. */
  builds(): number;
  /** Runs the prestart as `npm start` would, and answers the first line it printed. */
  prestart(): string;
  remove(): void;
}

/**
 * `npm start`'s prestart (tools/build-if-changed.mjs) in a scratch project whose `build` script only writes empty
 * `outputs` into a fresh dist/ and counts its runs, so that no real build is paid for.
 */
export function prestartProbe(name: string, outputs: readonly string[]): PrestartProbe {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  cpSync(TOOL, path.join(dir, 'tools/build-if-changed.mjs'));
  const made = outputs.map((o) => `fs.mkdirSync('${path.posix.dirname(o)}',{recursive:true});fs.writeFileSync('${o}','');`).join('');
  const fakeBuild = `node -e "const fs=require('fs');fs.rmSync('dist',{recursive:true,force:true});${made}fs.appendFileSync('builds','x')"`;
  write('package.json', JSON.stringify({ name: 'probe', private: true, scripts: { build: fakeBuild, postbuild: 'node tools/build-if-changed.mjs --record' } }));
  write('package-lock.json', '{"lockfileVersion":3}');
  return {
    dir,
    write,
    builds: () => (existsSync(path.join(dir, 'builds')) ? readFileSync(path.join(dir, 'builds'), 'utf8').length : 0),
    prestart: () => {
      const run = spawnSync(process.execPath, ['tools/build-if-changed.mjs'], { cwd: dir, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`prestart exited ${run.status}: ${run.stderr}`);
      return run.stdout.split('\n')[0];
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
