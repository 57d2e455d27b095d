import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRunning, statFields } from './processes';

export const LOCK_FILE = 'ledger.pid';

/** Another live process holds the data directory. */
class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(
      `LEDGER_DATA_DIR ${dir} is in use by another Cost Ledger (pid ${ownerPid}, see ${path.join(dir, LOCK_FILE)}): ` +
        'stop that one first, or give this one another LEDGER_DATA_DIR',
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * Claims `dir` for this process: `<dir>/ledger.pid` holds its pid and start time, and is removed when
 * the process exits. A file whose process is gone (a ledger killed with SIGKILL) is taken over; one
 * whose process lives is refused with a DataDirLockedError naming it. The start time tells a live owner
 * from a process that reused its pid (after a reboot, or in a new container), where /proc has it.
 */
export async function lockDataDir(dir: string): Promise<void> {
  const file = path.join(dir, LOCK_FILE);
  const me = `${process.pid} ${startTime(process.pid) ?? ''}`.trim();
  for (;;) {
    try {
      await writeFile(file, `${me}\n`, { flag: 'wx', mode: 0o644 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const [pid, started] = (await readFile(file, 'utf8').catch(() => '')).trim().split(' ');
    const owner = Number(pid);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner) && (!started || startTime(owner) === started)) {
      throw new DataDirLockedError(dir, owner);
    }
    await unlink(file).catch(() => undefined);
  }
  process.on('exit', () => {
    try {
      // Only our own claim: a later owner's file is not ours to remove.
      if (readFileSync(file, 'utf8').trim() === me) unlinkSync(file);
    } catch {
      // Already gone.
    }
  });
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where there is a /proc. */
function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}
