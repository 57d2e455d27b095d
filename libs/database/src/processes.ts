import { readFileSync } from 'node:fs';

/** Whether `pid` is alive, and not a zombie waiting for its parent to collect it. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return statFields(pid)?.[0] !== 'Z';
}

/**
 * The fields of /proc/<pid>/stat after the command name, from field 3 (the state) on, where there is
 * a /proc (Linux); undefined elsewhere or when the process is gone.
 */
export function statFields(pid: number): string[] | undefined {
  const stat = procFile(pid, 'stat');
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** /proc/<pid>/<name>, where there is a /proc (Linux). */
export function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}
