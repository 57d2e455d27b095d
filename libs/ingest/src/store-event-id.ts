import { hash } from 'node:crypto';

/** Namespace for deterministic event UUIDs: the same (workspace, event_id) always maps to the same id. */
const EVENT_ID_NAMESPACE = Buffer.from('6f1c3a523e0b4c559d6a0c7e1f5b9a10', 'hex');

/**
 * The event's id in the store: UUIDv5 (RFC 9562) of `workspace/event_id`. It runs
 * once per ingested event, so it hashes one pooled buffer with `crypto.hash`
 * instead of going through `uuid`'s byte arrays; a unit spec holds it equal to
 * `uuid`'s v5.
 */
export function storeEventId(workspaceId: string, eventId: string): string {
  const name = `${workspaceId}/${eventId}`;
  const input = Buffer.allocUnsafe(16 + Buffer.byteLength(name));
  EVENT_ID_NAMESPACE.copy(input, 0);
  input.write(name, 16, 'utf8');
  const h = hash('sha1', input, 'hex');
  // Version 5 in the high nibble of byte 6; variant 0b10 in the top bits of byte 8.
  const variant = (8 | (parseInt(h[16], 16) & 3)).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
