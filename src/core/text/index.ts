/**
 * Public API of the text codecs: GSM 03.38 and UCS-2 encoding, measuring
 * (the billed part count), segmentation towards carriers and inbound decoding.
 * Pure: no I/O, nothing outside src/core.
 */
export { MalformedUdhError, NotGsm7Error, TooManyPartsError } from './errors';
export {
  GSM_BASIC,
  GSM_BASIC_SEPTET,
  GSM_CHAR_SEPTETS,
  GSM_ESCAPE,
  GSM_EXTENSION,
  GSM_EXTENSION_CHAR,
  GSM_EXTENSION_SEPTET,
} from './gsm-alphabet';
export { countSeptets, decodeGsm7Unpacked, encodeGsm7Unpacked, isGsm7, packSeptets, unpackSeptets } from './gsm7';
export { countUcs2Units, decodeUcs2, encodeUcs2 } from './ucs2';
export {
  CONCAT_PART_UNITS,
  SINGLE_PART_UNITS,
  measureText,
  planParts,
  type ConcatMode,
  type MeasureOptions,
  type PartPlan,
  type TextEncoding,
  type TextMeasure,
} from './measure';
export {
  DEFAULT_MAX_PARTS,
  ESM_CLASS_UDHI,
  MAX_PARTS,
  segmentText,
  type SarFields,
  type SegmentOptions,
  type SegmentPart,
  type SegmentedText,
} from './segment';
export { decodeShortMessage, parseUdh, type ConcatInfo, type DecodeOptions, type DecodedShortMessage } from './decode';
