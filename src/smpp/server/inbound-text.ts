/**
 * The text of a customer's submit_sm / submit_multi / replace_sm, and its
 * concatenation header when it is one part of a long message.
 *
 * - Content is short_message, or message_payload when short_message is
 *   empty; both non-empty is refused (SMPP 3.4 §5.3.2.32).
 * - data_coding 0 (GSM 03.38): unpacked (one septet per octet) is the SMPP
 *   norm; a body with any octet above 0x7F cannot be unpacked septets, so it
 *   is read as packed 7-bit. A packed text whose octets all stay below 0x80
 *   is read as unpacked: that needs every second-septet-bit to be 0 and is
 *   vanishingly rare past a few characters (documented in docs/smpp.md).
 * - data_coding 1 (IA5) and 3 (Latin-1) as Latin-1, 8 as UCS-2 (UTF-16BE);
 *   8-bit data (2, 4) and unknown codings are refused: we carry text.
 * - Concatenation: UDH IEI 0x00 (8-bit reference) or 0x08 (16-bit), or the
 *   three SAR TLVs. A header with total 1 is a whole message.
 */
import { decodeShortMessage, MalformedUdhError } from '../../core/text';
import { MAX_SCHEDULE_AHEAD_MS } from '../../campaigns/schedule';
import { COMMAND_STATUS } from '../codec';

export interface ConcatHeader {
  /** 'udh8' | 'udh16' | 'sar' and the reference: together they tell groups apart. */
  readonly kind: 'udh8' | 'udh16' | 'sar';
  readonly reference: number;
  readonly total: number;
  /** 1-based. */
  readonly seq: number;
}

export interface InboundText {
  readonly text: string;
  readonly concat?: ConcatHeader;
}

export interface ContentFields {
  readonly short_message?: Buffer;
  readonly message_payload?: Buffer;
  readonly data_coding?: number;
  readonly esm_class?: number;
  readonly sar_msg_ref_num?: number;
  readonly sar_total_segments?: number;
  readonly sar_segment_seqnum?: number;
}

/** A refusal with its own command_status (not one of the catalogue's maps). */
export class SmppRefusal extends Error {
  override readonly name = 'SmppRefusal';
  constructor(
    readonly commandStatus: number,
    message: string,
  ) {
    super(message);
  }
}

const TEXT_CODINGS: ReadonlySet<number> = new Set([0, 1, 3, 8]);

export function isPackedGsm(body: Buffer): boolean {
  for (const octet of body) if (octet > 0x7f) return true;
  return false;
}

/**
 * Packed septets leave 7 spare bits when the septet count is 7 mod 8; an
 * encoder that zero-fills them (instead of the CR 23.038 asks for) makes a
 * phantom '@' (septet 0). sm_length counts octets, not septets, so that '@'
 * is indistinguishable from a real one: we read it as fill.
 */
function endsInFillSeptet(bodyOctets: number, udhOctets: number): boolean {
  const fill = udhOctets === 0 ? 0 : (7 - ((udhOctets * 8) % 7)) % 7;
  const bits = bodyOctets * 8 - fill;
  return bits > 0 && bits % 7 === 0;
}

export function decodeInboundText(fields: ContentFields): InboundText {
  const short = fields.short_message ?? Buffer.alloc(0);
  const payload = fields.message_payload;
  if (short.length > 0 && payload && payload.length > 0) {
    throw new SmppRefusal(COMMAND_STATUS.ESME_RINVMSGLEN, 'both short_message and message_payload are set');
  }
  const octets = short.length > 0 ? short : (payload ?? short);
  const dataCoding = fields.data_coding ?? 0;
  // Class-bearing DCS values (0xF0-0xF3 GSM, 0x18 UCS-2...) decode by their alphabet bits; the SMPP values must be text ones.
  if (dataCoding <= 0x0f && !TEXT_CODINGS.has(dataCoding)) {
    throw new SmppRefusal(COMMAND_STATUS.ESME_RSUBMITFAIL, `data_coding ${dataCoding} is not a text coding`);
  }
  const udhi = ((fields.esm_class ?? 0) & 0x40) !== 0;
  let decoded;
  try {
    const bodyStart = udhi ? 1 + (octets[0] ?? 0) : 0;
    const packed = dataCoding === 0 && isPackedGsm(octets.subarray(bodyStart));
    decoded = decodeShortMessage(octets, dataCoding, { udhi, packed });
    if (packed && endsInFillSeptet(octets.length - bodyStart, bodyStart) && decoded.text.endsWith('@')) {
      decoded = { ...decoded, text: decoded.text.slice(0, -1) };
    }
  } catch (error) {
    if (error instanceof MalformedUdhError) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVESMCLASS, 'malformed user data header');
    throw error;
  }
  if (decoded.binary) throw new SmppRefusal(COMMAND_STATUS.ESME_RSUBMITFAIL, `data_coding ${dataCoding} is not a text coding`);
  const concat = concatOf(decoded.udh, fields);
  return concat ? { text: decoded.text, concat } : { text: decoded.text };
}

function concatOf(udh: ReturnType<typeof decodeShortMessage>['udh'], f: ContentFields): ConcatHeader | undefined {
  if (udh) {
    return udh.total > 1 ? { kind: udh.referenceBits === 8 ? 'udh8' : 'udh16', reference: udh.reference, total: udh.total, seq: udh.seq } : undefined;
  }
  const { sar_msg_ref_num: ref, sar_total_segments: total, sar_segment_seqnum: seq } = f;
  if (ref === undefined && total === undefined && seq === undefined) return undefined;
  if (ref === undefined || total === undefined || seq === undefined || total === 0 || seq === 0 || seq > total) {
    throw new SmppRefusal(COMMAND_STATUS.ESME_RMISSINGOPTPARAM, 'SAR TLVs must come as a consistent triple');
  }
  return total > 1 ? { kind: 'sar', reference: ref, total, seq } : undefined;
}

const MAX_VALIDITY_S = 7 * 86400;

/** An SMPP time field (§7.1.1): an absolute instant or a span relative to "now". */
type SmppTime = { readonly kind: 'absolute'; readonly at: Date } | { readonly kind: 'relative'; readonly seconds: number };

/**
 * Absolute `YYMMDDhhmmsstnnp` (p '+'/'-': nn quarter hours from UTC) or
 * relative `YYMMDDhhmmss000R` (a year counted as 365 days, a month as 30);
 * undefined when malformed.
 */
function parseSmppTime(value: string): SmppTime | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/.exec(value);
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss, t, nn] = m.slice(1, 9).map(Number) as number[];
  if (m[9] === 'R') return { kind: 'relative', seconds: ((((yy! * 365 + mo! * 30 + dd!) * 24 + hh!) * 60 + mi!) * 60) + ss! };
  const offsetMs = nn! * 15 * 60_000 * (m[9] === '-' ? -1 : 1);
  return { kind: 'absolute', at: new Date(Date.UTC(2000 + yy!, mo! - 1, dd!, hh!, mi!, ss!, t! * 100) - offsetMs) };
}

/**
 * validity_period (§7.1.1) -> seconds counted from `from` (the scheduled
 * release when there is one, else now): '' = null (the default). Capped at
 * 7 days; ending before `from` or malformed -> ESME_RINVEXPIRY.
 */
export function validitySeconds(value: string, now: Date, from: Date = now): number | null {
  if (value === '') return null;
  const time = parseSmppTime(value);
  if (!time) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVEXPIRY, 'validity_period is malformed');
  const seconds = time.kind === 'relative' ? time.seconds : Math.floor((time.at.getTime() - from.getTime()) / 1000);
  if (!(seconds > 0)) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVEXPIRY, 'validity_period is not in the future');
  return Math.min(seconds, MAX_VALIDITY_S);
}

/**
 * schedule_delivery_time (§7.1.1) -> the release time (docs/campaigns.md):
 * '' or a time not in the future = now (null); at most MAX_SCHEDULE_AHEAD_MS
 * ahead; malformed or further -> ESME_RINVSCHED.
 */
export function scheduleDeliveryTime(value: string, now: Date): Date | null {
  if (value === '') return null;
  const time = parseSmppTime(value);
  if (!time) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVSCHED, 'schedule_delivery_time is malformed');
  const at = time.kind === 'relative' ? new Date(now.getTime() + time.seconds * 1000) : time.at;
  const ahead = at.getTime() - now.getTime();
  if (ahead > MAX_SCHEDULE_AHEAD_MS) throw new SmppRefusal(COMMAND_STATUS.ESME_RINVSCHED, 'schedule_delivery_time is more than 35 days ahead');
  return ahead > 0 ? at : null;
}

/** SMPP absolute time `YYMMDDhhmmss000+` in UTC (query_sm final_date). */
export function smppTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}000+`;
}

export function refusalStatus(error: unknown): number | undefined {
  return error instanceof SmppRefusal ? error.commandStatus : undefined;
}

