// Writes otlp.descriptor.json, the protobufjs descriptor of the vendored .proto files, from those files;
// with --check, exits 1 if the committed descriptor is not what they give (the unit spec runs it so).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOTS = [
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'google/rpc/status.proto',
];
const target = join(here, 'otlp.descriptor.json');

const root = new protobuf.Root();
// Imports are relative to this folder; google/protobuf/* are protobufjs's own common types.
root.resolvePath = (_origin, file) => (file.startsWith('google/protobuf/') ? file : join(here, file));
root.loadSync(ROOTS, { keepCase: false });
const text = `${JSON.stringify(root.toJSON(), null, 1)}\n`;

if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    process.stderr.write(`${target} is not what the .proto files give: run node libs/otlp/proto/generate-descriptor.mjs\n`);
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
