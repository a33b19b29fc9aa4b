/**
 * Cuts a text into the short_message octets of its submit_sm parts, as the
 * carriers expect them (DESIGN.md "Towards carriers"):
 * - gsm7 -> data_coding 0, unpacked septets (one octet per septet); the SMSC
 *   packs them and fits the UDH, which is why a part holds 153 septets;
 * - ucs2 -> data_coding 8, UTF-16BE.
 * Where the text is cut is decided by planParts (measure.ts), so the part
 * count always equals measureText(text, same options).parts.
 *
 * Concatenation (only when there is more than one part; a single part never
 * has a UDH nor SAR fields):
 * - udh8:  UDH `05 00 03 ref total seq`, esm_class 0x40, ref = reference & 0xFF;
 * - udh16: UDH `06 08 04 refHi refLo total seq`, esm_class 0x40, ref = reference & 0xFFFF;
 * - sar:   no UDH, esm_class 0, sar_msg_ref_num = reference & 0xFFFF in `sar`.
 * seq counts from 1. Total and seq are one octet, hence MAX_PARTS.
 */
import { TooManyPartsError } from './errors';
import { encodeGsm7Unpacked } from './gsm7';
import { planParts, type ConcatMode, type TextEncoding } from './measure';
import { encodeUcs2 } from './ucs2';

/** Protocol ceiling: the concat total is one octet. */
export const MAX_PARTS = 255;

/** The product limit the API is expected to enforce (parts per message). */
export const DEFAULT_MAX_PARTS = 10;

/** UDHI: short_message starts with a user data header. */
export const ESM_CLASS_UDHI = 0x40;

export interface SegmentOptions {
  /** The message's concatenation reference; callers pick it (e.g. a per-destination counter). */
  readonly reference: number;
  /** Default udh8. */
  readonly concat?: ConcatMode;
  /** Force an encoding; default gsm7 when every character is GSM, else ucs2. gsm7 on non-GSM text throws NotGsm7Error. */
  readonly encoding?: TextEncoding;
  /** Refuse texts needing more parts (TooManyPartsError); 1..MAX_PARTS, default MAX_PARTS. */
  readonly maxParts?: number;
}

export interface SarFields {
  readonly refNum: number;
  readonly totalSegments: number;
  readonly seqNum: number;
}

export interface SegmentPart {
  /** Octets as sent: UDH (when esmClass is 0x40) followed by the payload. */
  readonly shortMessage: Buffer;
  readonly esmClass: 0 | typeof ESM_CLASS_UDHI;
  readonly sar?: SarFields;
}

export interface SegmentedText {
  readonly encoding: TextEncoding;
  readonly dataCoding: 0 | 8;
  readonly parts: readonly SegmentPart[];
}

function concatUdh(concat: 'udh8' | 'udh16', reference: number, total: number, seq: number): Buffer {
  return concat === 'udh8'
    ? Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq])
    : Buffer.from([0x06, 0x08, 0x04, (reference >> 8) & 0xff, reference & 0xff, total, seq]);
}

export function segmentText(text: string, options: SegmentOptions): SegmentedText {
  const { reference, concat = 'udh8', maxParts = MAX_PARTS } = options;
  if (!Number.isSafeInteger(reference) || reference < 0) {
    throw new RangeError(`reference must be a non-negative integer, got ${reference}`);
  }
  if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > MAX_PARTS) {
    throw new RangeError(`maxParts must be an integer 1..${MAX_PARTS}, got ${maxParts}`);
  }
  const plan = planParts(text, { encoding: options.encoding, concat });
  if (plan.parts > maxParts) throw new TooManyPartsError(plan.parts, maxParts);

  const encode = plan.encoding === 'gsm7' ? encodeGsm7Unpacked : encodeUcs2;
  const dataCoding = plan.encoding === 'gsm7' ? 0 : 8;
  if (plan.parts === 1) {
    return { encoding: plan.encoding, dataCoding, parts: [{ shortMessage: encode(text), esmClass: 0 }] };
  }
  const total = plan.parts;
  const parts = plan.bounds.map(([start, end], i): SegmentPart => {
    const payload = encode(text.slice(start, end));
    const seq = i + 1;
    if (concat === 'sar') {
      return { shortMessage: payload, esmClass: 0, sar: { refNum: reference & 0xffff, totalSegments: total, seqNum: seq } };
    }
    return { shortMessage: Buffer.concat([concatUdh(concat, reference, total, seq), payload]), esmClass: ESM_CLASS_UDHI };
  });
  return { encoding: plan.encoding, dataCoding, parts };
}
