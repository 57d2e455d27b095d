/** Latency percentiles in ms, from raw samples. */
export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles: no interpolation, so a reported p99 is a latency that happened. */
export function latency(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

export const elapsedSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
export const now = (): bigint => process.hrtime.bigint();
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : 'n/a');
export const fmtMb = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${Math.round(kb / 1024)} MB`);
export const fmtRatio = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}×`);
