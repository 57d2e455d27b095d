import { readFileSync } from 'node:fs';
const keys: [string, string][] = JSON.parse(readFileSync('/tmp/exp/keys.json', 'utf8')).keys;
const DAY = 86400e3;
async function main() {
  const base = Date.parse('2026-09-01T00:05:07.009Z');
  const end = Date.parse('2026-09-30T03:25:50.892Z');
  let seed = 11;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const sessions: Record<string, string[]> = {};
  const routes: Record<string, (ws: string) => string> = {
    '30d': () => { const to = base + Math.floor(rnd() * (end - base)); return `/v1/cost/summary?from=${new Date(to - 30 * DAY).toISOString()}&to=${new Date(to).toISOString()}`; },
    whole: () => `/v1/cost/summary?from=${new Date(base).toISOString()}&to=${new Date(end + 1000).toISOString()}`,
    ts: () => `/v1/cost/timeseries?from=2026-09-01T00:00:00.000Z&to=2026-10-01T00:00:00.000Z&granularity=day&group_by=model`,
    exec: () => '/costs/summary',
  };
  for (const [name, path] of Object.entries(routes)) {
    const lat: number[] = [];
    for (let i = 0; i < 700; i++) {
      const [ws, key] = keys[Math.floor(rnd() * keys.length)];
      const t = process.hrtime.bigint();
      const res = await fetch(`http://localhost:3999${path(ws)}`, { headers: { 'x-api-key': key } });
      await res.text();
      if (res.status !== 200) throw new Error(`${name} ${res.status}`);
      if (i >= 100) lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    lat.sort((a, b) => a - b);
    const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
    console.log(process.env.LABEL, name, 'mean', mean.toFixed(2), 'p50', lat[Math.floor(lat.length / 2)].toFixed(2), 'p90', lat[Math.floor(lat.length * 0.9)].toFixed(2));
  }
  void sessions;
}
main().catch((e) => { console.error(e); process.exit(1); });
