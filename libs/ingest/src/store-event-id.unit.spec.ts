import { randomBytes } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { storeEventId } from './store-event-id';

const NAMESPACE = '6f1c3a52-3e0b-4c55-9d6a-0c7e1f5b9a10';

describe('storeEventId', () => {
  it('is the UUIDv5 the uuid package computes, for ascii, unicode and random names', () => {
    const names: [string, string][] = [
      ['ws', 'e1'],
      ['ws_acme', 'ses-00a1.17'],
      ['', ''],
      ['wörkspace', 'é✓😀'],
      ['ws', 'x'.repeat(128)],
      ...Array.from({ length: 2000 }, (): [string, string] => [randomBytes(6).toString('base64url'), randomBytes(1 + (randomBytes(1)[0] % 90)).toString('latin1')]),
    ];
    for (const [ws, id] of names) expect(storeEventId(ws, id)).toBe(uuidv5(`${ws}/${id}`, NAMESPACE));
  });
});
