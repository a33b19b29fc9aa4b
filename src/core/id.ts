/**
 * Message ids: UUID version 7 (RFC 9562). Time-ordered, so they double as
 * the cursor of the message list and keep index inserts at the right edge;
 * 36 characters, within SMPP's 65-octet message_id.
 */
import { randomBytes } from 'node:crypto';

export function newMessageId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isMessageId(value: string): boolean {
  return UUID.test(value);
}
