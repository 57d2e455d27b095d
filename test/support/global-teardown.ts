export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as { __LEDGER_PG__?: { stop(): Promise<void> } }).__LEDGER_PG__;
  await db?.stop();
}
