/**
 * Phone numbers and sender IDs (DESIGN.md "Numbers and text").
 *
 * A number is stored as E.164 digits without '+': `989121234567`.
 * Pure: no I/O, no country database. Callers map null to 400 INVALID_NUMBER
 * or ESME_RINVDSTADR / ESME_RINVSRCADR.
 */

/** Shortest and longest accepted number, in digits (E.164 allows at most 15). */
export const MIN_NUMBER_DIGITS = 5;
export const MAX_NUMBER_DIGITS = 15;

/** Input longer than this is refused before any parsing (no pathological inputs). */
const MAX_INPUT_LENGTH = 64;

/**
 * Normalises a destination (or numeric sender) number to E.164 digits.
 *
 * Accepted: surrounding whitespace; then an optional leading '+' or the
 * international prefix "00" (treated as '+'); then digits, with spaces and
 * dashes anywhere between them ("+98 912-123-4567", "0098 912 123 4567",
 * "989121234567" all give "989121234567"). Digits without '+' or "00" are
 * taken as already international (that is how numbers are stored).
 *
 * Refused (null): any other character (letters, dots, parentheses, a '+'
 * elsewhere than first), a first digit 0 after the cleanup (no country code
 * starts with 0: "+0...", "000...", and national "0912..." numbers, since we
 * do not know the sender's country), fewer than MIN_NUMBER_DIGITS or more
 * than MAX_NUMBER_DIGITS digits.
 */
export function normalizeNumber(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  const trimmed = input.trim();
  const body = trimmed.startsWith('+') ? trimmed.slice(1) : trimmed;
  if (!/^[0-9 -]*$/.test(body)) return null;
  let digits = body.replace(/[ -]/g, '');
  if (!trimmed.startsWith('+') && digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length < MIN_NUMBER_DIGITS || digits.length > MAX_NUMBER_DIGITS) return null;
  if (digits.startsWith('0')) return null;
  return digits;
}

/** SMPP 3.4 §5.2.5 type of number and §5.2.6 numbering plan indicator values we send. */
export const TON = { unknown: 0, international: 1, national: 2, networkSpecific: 3, alphanumeric: 5 } as const;
export const NPI = { unknown: 0, isdn: 1 } as const;

export interface SenderAddress {
  readonly addr: string;
  readonly ton: number;
  readonly npi: number;
}

/** Alphanumeric sender: 1..11 characters (the TP-OA limit), each one GSM basic-table septet. */
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 .,&'!?_-]{1,11}$/;
const SHORT_CODE = /^[0-9]{3,8}$/;

/**
 * Classifies a sender ID (`from`) into the source_addr, TON and NPI of a
 * submit_sm, the way carriers conventionally expect them:
 * - "+..." or "00..." -> a number, normalised, TON 1 (international) NPI 1 (ISDN/E.164);
 * - 3..8 digits (spaces and dashes allowed) without '+' -> a short code, as
 *   given, TON 3 (network specific) NPI 0 (unknown);
 * - 9..15 digits without '+' -> an international number as stored, TON 1 NPI 1;
 * - 1..11 characters with at least one letter, from letters A-Z a-z, digits,
 *   space and . , & ' ! ? _ - -> alphanumeric, TON 5 NPI 0;
 * - anything else (non-ASCII letters, '@', longer texts, bad numbers) -> null.
 * Surrounding whitespace is ignored. Whether a sender is allowed for an app
 * is a separate check.
 */
export function parseSender(from: string): SenderAddress | null {
  if (typeof from !== 'string' || from.length > MAX_INPUT_LENGTH) return null;
  const trimmed = from.trim();
  if (/^[+0-9 -]+$/.test(trimmed) && /[0-9]/.test(trimmed)) {
    const digits = trimmed.replace(/[ -]/g, '');
    const international = digits.startsWith('+') || digits.startsWith('00');
    if (!international && SHORT_CODE.test(digits)) {
      return { addr: digits, ton: TON.networkSpecific, npi: NPI.unknown };
    }
    if (!international && digits.length <= 8) return null;
    const number = normalizeNumber(trimmed);
    return number === null ? null : { addr: number, ton: TON.international, npi: NPI.isdn };
  }
  if (ALPHANUMERIC_SENDER.test(trimmed) && /[A-Za-z]/.test(trimmed)) {
    return { addr: trimmed, ton: TON.alphanumeric, npi: NPI.unknown };
  }
  return null;
}

/**
 * Every prefix of a number, longest first, ending with "" (the catch-all
 * route): "9891" -> ["9891", "989", "98", "9", ""]. Longest-prefix routing
 * tries them in this order.
 */
export function prefixesOf(number: string): string[] {
  const prefixes: string[] = [];
  for (let length = number.length; length >= 0; length--) prefixes.push(number.slice(0, length));
  return prefixes;
}
