import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// The dev server forwards the API to a ledger started by hand (LEDGER_URL, else the port the worktree uses).
const api = process.env.LEDGER_URL ?? 'http://127.0.0.1:3911';

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    port: Number(process.env.DASHBOARD_PORT ?? 3910),
    strictPort: true,
    proxy: Object.fromEntries(['/costs', '/api', '/v1', '/health', '/docs-json'].map((p) => [p, api])),
  },
});
