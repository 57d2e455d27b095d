import { createHash, randomUUID } from 'node:crypto';
import type { UsageEventType } from './usage-events';

/**
 * The namespace of the SDK's name-based ids. Fixed forever: changing it changes every derived id, and a
 * re-send after an upgrade would then count twice.
 */
export const EVENT_ID_NAMESPACE = '6f1d3c2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f';

/** What the ledger accepts as an event id. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A name-based UUID (RFC 9562 version 8, SHA-256 as in its appendix B.2) over the namespace, the event type
 * and the caller's natural key: the same in every process and every release, so that sending the same call
 * twice is a duplicate. The type is part of the name so that one key can name a call's `TokenUsed` and the
 * `ToolCalled` it made without the two ids colliding.
 */
export function eventIdFromKey(type: UsageEventType, key: string): string {
  const namespace = Buffer.from(EVENT_ID_NAMESPACE.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha256').update(namespace).update(`${type}\0${key}`, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id an event gets when it is enqueued: the caller's own, derived from its key, or random. */
export function assignEventId(type: UsageEventType, given: { eventId?: string; key?: string }): string {
  if (given.eventId !== undefined) return given.eventId;
  if (given.key !== undefined) return eventIdFromKey(type, given.key);
  return randomUUID();
}
