/**
 * Message ids: UUID version 7 (RFC 9562), monotonic within a process: the
 * 12-bit rand_a field is a counter inside one millisecond (method 1 of the
 * RFC), so ids made in order sort in order. Time-ordered ids double as the
 * message list's cursor and keep index inserts at the right edge; 36
 * characters fit SMPP's 65-octet message_id.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

export function newMessageId(nowMs: number = Date.now()): string {
  let ms = Math.max(nowMs, lastMs);
  if (ms === lastMs) {
    counter++;
    if (counter > 0xfff) {
      ms++; // 4,096 ids in one millisecond: borrow the next one
      counter = 0;
    }
  } else counter = randomBytes(1)[0]! & 0x7f; // random start, room to count up
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isMessageId(value: string): boolean {
  return UUID.test(value);
}
