/**
 * How much a text costs and where it splits: the one source of truth for
 * the part count, used by billing (measureText) and by segmentation
 * (planParts), so a message is billed for exactly the parts it is sent as.
 *
 * Units are GSM 03.38 septets (an extension character counts 2) or UTF-16
 * code units (an emoji counts 2). A text that fits one part is sent whole
 * (160 septets / 70 units). A longer one is cut greedily into parts of at
 * most 153 septets / 67 units (the rest of the 140 octets is the 6-octet
 * UDH), never between an escape and its code nor between the two halves of a
 * surrogate pair, so such a part may hold one unit less (152 / 66) and the
 * part count can exceed ceil(units / 153).
 *
 * With a 16-bit reference (udh16) the UDH is 7 octets, so parts hold 152
 * septets / 66 units and a long text may need more parts than with udh8:
 * pass the carrier's concat mode to get its exact count. SAR carries the
 * reference in TLVs, but parts are cut like udh8 so that they bill alike.
 *
 * The empty text measures 0 units in 1 part (gsm7); callers reject empty
 * text before measuring, this only keeps the function total.
 */
import { NotGsm7Error } from './errors';
import { GSM_CHAR_SEPTETS } from './gsm-alphabet';
import { isGsm7 } from './gsm7';

export type TextEncoding = 'gsm7' | 'ucs2';
export type ConcatMode = 'udh8' | 'udh16' | 'sar';

export interface MeasureOptions {
  /** Force an encoding; default gsm7 when every character is GSM, else ucs2. gsm7 on non-GSM text throws NotGsm7Error. */
  readonly encoding?: TextEncoding;
  /** How the carrier concatenates; default udh8 (DESIGN.md). */
  readonly concat?: ConcatMode;
}

export interface TextMeasure {
  readonly encoding: TextEncoding;
  /** Septets (gsm7) or UTF-16 code units (ucs2) of the whole text. */
  readonly units: number;
  /** Parts the text is sent (and billed) as; at least 1. */
  readonly parts: number;
  /** Limit of one part: 160/70 for a single part, 153/67 (152/66 with udh16) when concatenated. */
  readonly unitsPerPart: number;
}

/** A measure plus where each part starts and ends, as UTF-16 indices into the text. */
export interface PartPlan extends TextMeasure {
  readonly bounds: ReadonlyArray<readonly [start: number, end: number]>;
}

/** Units of a single, unconcatenated part. */
export const SINGLE_PART_UNITS = { gsm7: 160, ucs2: 70 } as const;

/** Units per part of a concatenated message, by concat mode. */
export const CONCAT_PART_UNITS = {
  udh8: { gsm7: 153, ucs2: 67 },
  udh16: { gsm7: 152, ucs2: 66 },
  sar: { gsm7: 153, ucs2: 67 },
} as const;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Cost and width (in UTF-16 indices) of the indivisible unit starting at index i. */
function unitAt(text: string, i: number, encoding: TextEncoding): { cost: number; width: number } {
  if (encoding === 'gsm7') {
    const septets = GSM_CHAR_SEPTETS.get(text.charAt(i));
    if (septets === undefined) throw new NotGsm7Error(i);
    return { cost: septets.length, width: 1 };
  }
  const pair = isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1));
  return pair ? { cost: 2, width: 2 } : { cost: 1, width: 1 };
}

/** Measures the text and plans its parts (see the module comment for the rules). */
export function planParts(text: string, options: MeasureOptions = {}): PartPlan {
  const encoding = options.encoding ?? (isGsm7(text) ? 'gsm7' : 'ucs2');
  const perPart = CONCAT_PART_UNITS[options.concat ?? 'udh8'][encoding];
  const bounds: Array<[number, number]> = [];
  let units = 0;
  let start = 0;
  let inPart = 0;
  for (let i = 0; i < text.length; ) {
    const { cost, width } = unitAt(text, i, encoding);
    if (inPart + cost > perPart) {
      bounds.push([start, i]);
      start = i;
      inPart = 0;
    }
    inPart += cost;
    units += cost;
    i += width;
  }
  const single = SINGLE_PART_UNITS[encoding];
  if (units <= single) return { encoding, units, parts: 1, unitsPerPart: single, bounds: [[0, text.length]] };
  bounds.push([start, text.length]);
  return { encoding, units, parts: bounds.length, unitsPerPart: perPart, bounds };
}

/** Encoding, units and part count of a text; never throws unless `encoding: 'gsm7'` is forced on non-GSM text. */
export function measureText(text: string, options: MeasureOptions = {}): TextMeasure {
  const { encoding, units, parts, unitsPerPart } = planParts(text, options);
  return { encoding, units, parts, unitsPerPart };
}
