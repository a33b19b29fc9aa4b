/**
 * "UCS-2" as SMPP data_coding 8 is used in practice: UTF-16 big-endian.
 * Characters outside the BMP (emoji) are surrogate pairs, two code units,
 * which every current handset reassembles; a unit is 2 octets.
 */

/** UTF-16 code units of the text (an emoji counts 2). */
export function countUcs2Units(text: string): number {
  return text.length;
}

/** UTF-16BE octets, 2 per code unit. Lone surrogates are written as they are. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/**
 * Inverse of encodeUcs2. An odd trailing octet (a truncated unit from a
 * faulty sender) becomes U+FFFD rather than an error.
 */
export function decodeUcs2(buf: Buffer): string {
  const even = buf.length & ~1;
  const swapped = Buffer.from(buf.subarray(0, even)).swap16();
  return swapped.toString('utf16le') + (even < buf.length ? '\ufffd' : '');
}
