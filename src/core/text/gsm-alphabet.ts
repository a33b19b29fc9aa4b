/**
 * The GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet as data.
 *
 * - GSM_BASIC: the basic table, index = septet value (0x00..0x7F).
 *   0x1B is not a character: it is the escape to the extension table.
 * - GSM_EXTENSION: the default extension table, character -> code sent after
 *   an escape (so each of these costs two septets: 0x1B, code).
 *
 * Only the default tables are here: no national language shift tables
 * (23.038 §6.2.1.2), which carriers rarely support for MT traffic.
 */

/** Septet value of the escape to the extension table. */
export const GSM_ESCAPE = 0x1b;

export const GSM_BASIC = [
  // 0x00
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  // 0x10 (0x1B = escape, never a character)
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  // 0x20 (0x24 is the currency sign, not the dollar)
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  // 0x30
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  // 0x40
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  // 0x50
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  // 0x60
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  // 0x70
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
] as const;

export type GsmBasicChar = (typeof GSM_BASIC)[number];

export const GSM_EXTENSION = {
  '\f': 0x0a, // form feed (page break)
  '^': 0x14,
  '{': 0x28,
  '}': 0x29,
  '\\': 0x2f,
  '[': 0x3c,
  '~': 0x3d,
  ']': 0x3e,
  '|': 0x40,
  '€': 0x65,
} as const;

export type GsmExtensionChar = keyof typeof GSM_EXTENSION;

/** Character -> basic-table septet. The escape slot (0x1B) is deliberately absent. */
export const GSM_BASIC_SEPTET: ReadonlyMap<string, number> = new Map(
  GSM_BASIC.flatMap((ch, septet) => (septet === GSM_ESCAPE ? [] : [[ch, septet] as const])),
);

/** Character -> extension-table code (the septet that follows the escape). */
export const GSM_EXTENSION_SEPTET: ReadonlyMap<string, number> = new Map(Object.entries(GSM_EXTENSION));

/** Extension-table code -> character, for decoding. */
export const GSM_EXTENSION_CHAR: ReadonlyMap<number, string> = new Map(
  Object.entries(GSM_EXTENSION).map(([ch, code]) => [code, ch] as const),
);

/**
 * Character -> the septets it is sent as: one for the basic table, two
 * (escape, code) for the extension table. Absent = not GSM-encodable.
 */
export const GSM_CHAR_SEPTETS: ReadonlyMap<string, readonly [number] | readonly [number, number]> = new Map<
  string,
  readonly [number] | readonly [number, number]
>([
  ...[...GSM_BASIC_SEPTET].map(([ch, s]) => [ch, [s] as const] as const),
  ...[...GSM_EXTENSION_SEPTET].map(([ch, s]) => [ch, [GSM_ESCAPE, s] as const] as const),
]);
