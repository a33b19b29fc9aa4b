/**
 * GSM 03.38 7-bit text: septets, unpacked (one octet per septet, as SMPP
 * data_coding 0 carries them towards most SMSCs) and packed (7 bits per
 * septet, least significant bit first, as on the air interface; 3GPP TS
 * 23.038 §6.1.2.1).
 */
import { NotGsm7Error } from './errors';
import { GSM_BASIC, GSM_CHAR_SEPTETS, GSM_ESCAPE, GSM_EXTENSION_CHAR } from './gsm-alphabet';

const REPLACEMENT = '\ufffd';

/** True when every character is in the basic or extension table (the empty text is GSM). */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (!GSM_CHAR_SEPTETS.has(text.charAt(i))) return false;
  }
  return true;
}

/** Septets the text costs (extension characters count 2); null when the text is not GSM-encodable. */
export function countSeptets(text: string): number | null {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const s = GSM_CHAR_SEPTETS.get(text.charAt(i));
    if (s === undefined) return null;
    septets += s.length;
  }
  return septets;
}

/**
 * One octet per septet; an extension character becomes 0x1B followed by its
 * code. Throws NotGsm7Error (with the UTF-16 index, never the text) on a
 * character outside both tables.
 */
export function encodeGsm7Unpacked(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const s = GSM_CHAR_SEPTETS.get(text.charAt(i));
    if (s === undefined) throw new NotGsm7Error(i);
    out.push(...s);
  }
  return Buffer.from(out);
}

/**
 * Inverse of encodeGsm7Unpacked, lenient the way 23.038 §6.2.1.1 asks a
 * receiver to be, so inbound text never makes decoding fail:
 * - escape + a code missing from the extension table -> the basic-table character;
 * - escape + escape (reserved for another table), or a trailing escape -> a space;
 * - an octet above 0x7F (not a septet) -> U+FFFD.
 */
export function decodeGsm7Unpacked(buf: Buffer): string {
  let text = '';
  for (let i = 0; i < buf.length; i++) {
    const septet = buf[i] ?? 0;
    if (septet > 0x7f) {
      text += REPLACEMENT;
    } else if (septet !== GSM_ESCAPE) {
      text += GSM_BASIC[septet];
    } else {
      const code = buf[i + 1];
      i++;
      if (code === undefined || code === GSM_ESCAPE) text += ' ';
      else if (code > 0x7f) text += REPLACEMENT;
      else text += GSM_EXTENSION_CHAR.get(code) ?? GSM_BASIC[code];
    }
  }
  return text;
}

function checkPadding(paddingBits: number): void {
  if (!Number.isInteger(paddingBits) || paddingBits < 0 || paddingBits > 6) {
    throw new RangeError(`paddingBits must be an integer 0..6, got ${paddingBits}`);
  }
}

/**
 * Packs septets (values 0..0x7F) 7 bits each, least significant bit first.
 * `paddingBits` zero fill bits come first, so that after a user data header
 * of n octets the first septet starts on a septet boundary of the whole
 * user data: paddingBits = (7 - (n * 8) % 7) % 7 (1 for a 6-octet UDH).
 * The result is what follows the UDH octets; its length is
 * ceil((paddingBits + 7 * septets) / 8) octets, unused high bits are zero.
 */
export function packSeptets(septets: Buffer, paddingBits = 0): Buffer {
  checkPadding(paddingBits);
  const out = Buffer.alloc(Math.ceil((paddingBits + septets.length * 7) / 8));
  let bit = paddingBits;
  for (const septet of septets) {
    if (septet > 0x7f) throw new RangeError(`septet value ${septet} is above 0x7F`);
    const octet = bit >> 3;
    const shift = bit & 7;
    out[octet] = (out[octet] ?? 0) | ((septet << shift) & 0xff);
    // A septet starting at bit 2..7 of an octet spills into the next one.
    if (shift > 1) out[octet + 1] = septet >> (8 - shift);
    bit += 7;
  }
  return out;
}

/**
 * Inverse of packSeptets. The septet count must be given: from the octet
 * length alone 7 trailing zero bits are indistinguishable from an '@'.
 * Throws RangeError when `packed` holds fewer bits than asked for.
 */
export function unpackSeptets(packed: Buffer, septetCount: number, paddingBits = 0): Buffer {
  checkPadding(paddingBits);
  if (!Number.isInteger(septetCount) || septetCount < 0 || paddingBits + septetCount * 7 > packed.length * 8) {
    throw new RangeError(`cannot unpack ${septetCount} septets from ${packed.length} octets`);
  }
  const out = Buffer.alloc(septetCount);
  let bit = paddingBits;
  for (let i = 0; i < septetCount; i++) {
    const octet = bit >> 3;
    const shift = bit & 7;
    let value = (packed[octet] ?? 0) >> shift;
    if (shift > 1) value |= (packed[octet + 1] ?? 0) << (8 - shift);
    out[i] = value & 0x7f;
    bit += 7;
  }
  return out;
}
