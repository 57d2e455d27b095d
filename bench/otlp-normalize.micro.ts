import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { normalizeRecords } from '../libs/otlp/src/normalize-records';
import { OtlpRecord } from '../libs/otlp/src/otlp-model';
import { decodeOtlp } from '../libs/otlp/src/receiver/otlp-codec';
import { generateOtlpUsage } from './data/otlp-usage.generator';

/*
 * normalizeRecords alone over phase 1b's records, decoded once (ADR 0023's figures): from built code,
 * `node dist/bench/otlp-normalize.micro.js [records] [rounds]`, with `--cpu-prof` for the profile. Prints the
 * median µs per record and a digest of every output, which must not change when the code does.
 */
const records = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 15);
const batches: OtlpRecord[][] = generateOtlpUsage({ records, seed: 'otlp-normalize-micro' }).batches.map((b) => decodeOtlp('logs', 'protobuf', b.body));

const digest = createHash('sha256');
for (const batch of batches) digest.update(JSON.stringify(normalizeRecords(batch)));

const perRecord: number[] = [];
let sink = 0;
for (let round = 0; round < rounds; round++) {
  const start = performance.now();
  for (const batch of batches) sink += normalizeRecords(batch).events.length;
  perRecord.push(((performance.now() - start) * 1000) / records);
}
const sorted = [...perRecord].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    records,
    rounds,
    medianUsPerRecord: Number(sorted[Math.floor(rounds / 2)].toFixed(2)),
    minUsPerRecord: Number(sorted[0].toFixed(2)),
    digest: digest.digest('hex').slice(0, 16),
    events: sink / rounds,
  }),
);
