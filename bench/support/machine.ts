import os from 'node:os';
import { readFileSync } from 'node:fs';

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly postgres: string;
  readonly os: string;
  /** 1-minute load average when the run started: other work on a shared machine shows here. */
  readonly loadAtStart: number;
}

export function machineFacts(postgres: string): MachineFacts {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    os: `${os.type()} ${os.release()}`,
    loadAtStart: Math.round(os.loadavg()[0] * 100) / 100,
  };
}
