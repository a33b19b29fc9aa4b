/**
 * Inbound short_message octets -> text (MO messages from carriers, submit_sm
 * from customers' binds). Reassembly of concatenated parts is the caller's:
 * this returns one part's text and its concat header.
 *
 * data_coding understood (SMPP 3.4 §5.2.19, then GSM 03.38 DCS groups):
 * - 0 GSM 7-bit, unpacked (one septet per octet) unless opts.packed;
 * - 1 IA5 / ASCII; decoded as Latin-1 so an SMSC that mislabels Latin-1 as
 *   IA5 loses nothing (ASCII is a subset);
 * - 3 Latin-1; 8 UCS-2 (UTF-16BE, surrogate pairs kept);
 * - 2 and 4 (8-bit data) -> `binary: true`, text = the octets as Latin-1
 *   (one character per octet, so nothing is lost and callers can get the
 *   octets back with Buffer.from(text, 'latin1'));
 * - 0x10-0x1F, 0x40-0x5F (general groups with a message class), 0xC0-0xEF
 *   (message waiting) and 0xF0-0xFF (data coding / message class): by their
 *   alphabet bits;
 * - anything else (compressed, JIS, Cyrillic, ...) is passed through like
 *   8-bit data, `binary: true`, rather than guessed at.
 */
import { MalformedUdhError } from './errors';
import { decodeGsm7Unpacked, unpackSeptets } from './gsm7';
import { decodeUcs2 } from './ucs2';

export interface ConcatInfo {
  readonly reference: number;
  readonly referenceBits: 8 | 16;
  readonly total: number;
  /** 1-based. */
  readonly seq: number;
}

export interface DecodedShortMessage {
  readonly text: string;
  /** Present when the UDH carried a valid concat element (IEI 0x00 or 0x08). */
  readonly udh?: ConcatInfo;
  /** The octets were not text we decode; `text` holds them one Latin-1 character per octet. */
  readonly binary?: true;
}

export interface DecodeOptions {
  /** esm_class has UDHI (0x40): the octets start with a user data header. */
  readonly udhi?: boolean;
  /** GSM text (data_coding 0) is packed 7-bit; default unpacked. */
  readonly packed?: boolean;
}

type Alphabet = 'gsm7' | 'latin1' | 'ucs2' | 'binary';

const SMPP_ALPHABETS: Readonly<Record<number, Alphabet>> = { 0: 'gsm7', 1: 'latin1', 2: 'binary', 3: 'latin1', 4: 'binary', 8: 'ucs2' };
const DCS_ALPHABET_BITS = ['gsm7', 'binary', 'ucs2', undefined] as const;

function alphabetOf(dataCoding: number): Alphabet | undefined {
  if (dataCoding <= 0x0f) return SMPP_ALPHABETS[dataCoding];
  const group = dataCoding >> 4;
  if (group === 0x1 || group === 0x4 || group === 0x5) return DCS_ALPHABET_BITS[(dataCoding >> 2) & 3];
  if (group === 0xc || group === 0xd) return 'gsm7';
  if (group === 0xe) return 'ucs2';
  if (group === 0xf) return dataCoding & 0x04 ? 'binary' : 'gsm7';
  return undefined;
}

/**
 * Parses a user data header: its length in octets (UDHL octet included) and
 * the concat element. Unknown elements are skipped; a concat element with
 * total 0, seq 0 or seq > total is ignored (3GPP TS 23.040 §9.2.3.24.1).
 * Throws MalformedUdhError when a length runs past the header or the octets.
 */
export function parseUdh(octets: Buffer): { readonly length: number; readonly concat?: ConcatInfo } {
  const udhl = octets[0];
  if (udhl === undefined) throw new MalformedUdhError('no UDHL octet');
  const end = 1 + udhl;
  if (end > octets.length) throw new MalformedUdhError(`UDHL ${udhl} exceeds ${octets.length - 1} octets`);
  let concat: ConcatInfo | undefined;
  for (let i = 1; i < end; ) {
    const iei = octets[i] ?? 0;
    const len = octets[i + 1];
    if (len === undefined || i + 2 + len > end) throw new MalformedUdhError(`element 0x${iei.toString(16)} overruns the header`);
    const d = octets.subarray(i + 2, i + 2 + len);
    let found: ConcatInfo | undefined;
    if (iei === 0x00 && len === 3) found = { reference: d[0] ?? 0, referenceBits: 8, total: d[1] ?? 0, seq: d[2] ?? 0 };
    if (iei === 0x08 && len === 4) {
      found = { reference: ((d[0] ?? 0) << 8) | (d[1] ?? 0), referenceBits: 16, total: d[2] ?? 0, seq: d[3] ?? 0 };
    }
    if (!concat && found && found.total > 0 && found.seq > 0 && found.seq <= found.total) concat = found;
    i += 2 + len;
  }
  return concat ? { length: end, concat } : { length: end };
}

/**
 * Packed GSM after `udhLength` header octets: fill bits align the first
 * septet, the septet count is whatever whole septets the octets hold, and a
 * final CR that filled 7 spare bits (23.038 §6.1.2.3.1) is dropped.
 */
function decodePackedGsm(body: Buffer, udhLength: number): string {
  const fill = udhLength === 0 ? 0 : (7 - ((udhLength * 8) % 7)) % 7;
  const bits = body.length * 8 - fill;
  const count = bits > 0 ? Math.floor(bits / 7) : 0;
  if (count === 0) return '';
  let septets = unpackSeptets(body, count, fill);
  if (bits % 7 === 0 && septets[count - 1] === 0x0d) septets = septets.subarray(0, count - 1);
  return decodeGsm7Unpacked(septets);
}

export function decodeShortMessage(octets: Buffer, dataCoding: number, opts: DecodeOptions = {}): DecodedShortMessage {
  const header: ReturnType<typeof parseUdh> = opts.udhi ? parseUdh(octets) : { length: 0 };
  const body = octets.subarray(header.length);
  const udh = header.concat ? { udh: header.concat } : {};
  switch (alphabetOf(dataCoding)) {
    case 'gsm7':
      return { text: opts.packed ? decodePackedGsm(body, header.length) : decodeGsm7Unpacked(body), ...udh };
    case 'latin1':
      return { text: body.toString('latin1'), ...udh };
    case 'ucs2':
      return { text: decodeUcs2(body), ...udh };
    default:
      return { text: body.toString('latin1'), binary: true, ...udh };
  }
}
