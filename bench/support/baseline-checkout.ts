import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { elapsedSince, now } from './stats';
import { REPO_ROOT } from './service-process';

/**
 * Builds of other commits, outside the repository: inside it, `eslint .` would lint an old tree by today's rules.
 * Keyed by commit, so every checkout on the machine shares one build of it.
 */
export const BENCH_CACHE = process.env.LEDGER_BENCH_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'cost-ledger-bench');

export interface BaselineBuild {
  readonly ref: string;
  readonly sha: string;
  /** The built service's entry point and the folder it runs from. */
  readonly main: string;
  readonly root: string;
  /** Time to extract and build it in this run; 0 when an earlier run's build was reused. */
  readonly buildMs: number;
  readonly cached: boolean;
}

const BUILT_MARK = '.bench-built';

/**
 * The service of another commit, built once into `<BENCH_CACHE>/<sha>` with this checkout's node_modules, so that the
 * bench can run it beside today's code on the same server (issue 17: "run side by side"). The tree comes from
 * `git archive`, which needs nothing but the commit in this clone's history (a shallow CI clone may lack it: the
 * error says so) and leaves the repository's worktree list alone.
 */
export async function buildAtRef(ref: string, onLine?: (line: string) => void): Promise<BaselineBuild> {
  const sha = (await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], REPO_ROOT).catch(() => '')).trim();
  if (!sha) {
    const shallow = (await run('git', ['rev-parse', '--is-shallow-repository'], REPO_ROOT).catch(() => '')).trim() === 'true';
    throw new Error(
      `${ref} is not a commit in this clone's history${shallow ? ' (a shallow clone: git fetch --unshallow)' : ''}; --live-baseline none skips the baseline`,
    );
  }
  const root = path.join(BENCH_CACHE, sha);
  const main = path.join(root, 'dist/apps/ledger/src/main.js');
  const modules = path.join(root, 'node_modules');
  if (existsSync(path.join(root, BUILT_MARK)) && existsSync(main)) {
    // The service runs on this checkout's node_modules, whichever checkout built it.
    await rm(modules, { force: true });
    await symlink(realpathSync(path.join(REPO_ROOT, 'node_modules')), modules, 'dir');
    return { ref, sha, main, root, buildMs: 0, cached: true };
  }
  const start = now();
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  onLine?.(`extracting ${sha.slice(0, 12)} into ${root}`);
  await run('sh', ['-c', `git archive --format=tar ${sha} | tar -x -C "${root}"`], REPO_ROOT);
  // Today's node_modules: the commit's own lock may name other versions, which the report states by naming the commit only.
  await symlink(realpathSync(path.join(REPO_ROOT, 'node_modules')), modules, 'dir');
  onLine?.(`building ${sha.slice(0, 12)} (nest build)`);
  await run(process.execPath, [path.join(root, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], root);
  if (!existsSync(main)) throw new Error(`building ${ref} (${sha}) wrote no ${path.relative(root, main)}`);
  const buildMs = elapsedSince(start);
  await writeFile(path.join(root, BUILT_MARK), `${JSON.stringify({ ref, sha, buildMs, at: new Date().toISOString() })}\n`);
  return { ref, sha, main, root, buildMs, cached: false };
}

/**
 * Which of `fields` the source of `sha` never names (apps and libs): an event field its ingest cannot accept,
 * since a validated body refuses a property it does not declare.
 */
export async function fieldsUnknownAt(sha: string, fields: readonly string[]): Promise<string[]> {
  const unknown: string[] = [];
  for (const field of fields) {
    const found = await run('git', ['grep', '-q', '-w', '-F', field, sha, '--', 'apps', 'libs'], REPO_ROOT).then(
      () => true,
      () => false,
    );
    if (!found) unknown.push(field);
  }
  return unknown;
}

/** The commit this checkout's build comes from, with `+changes` when the tree differs from it. */
export async function currentCommit(): Promise<string> {
  const sha = (await run('git', ['rev-parse', '--short', 'HEAD'], REPO_ROOT).catch(() => '')).trim();
  if (!sha) return 'unknown';
  const dirty = (await run('git', ['status', '--porcelain', '--untracked-files=no'], REPO_ROOT).catch(() => '')).trim();
  return dirty ? `${sha}+changes` : sha;
}

/** How long the last build of `sha` took, if an earlier run made it. */
export function cachedBuildMs(sha: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(BENCH_CACHE, sha, BUILT_MARK), 'utf8')) as { buildMs?: number }).buildMs;
  } catch {
    return undefined;
  }
}

function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('error', reject);
    // 'close', not 'exit': the output may still be unread when the process exits.
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${(err || out).trim().slice(-2000)}`))));
  });
}
