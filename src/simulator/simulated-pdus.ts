/**
 * Pure translations the simulator needs: a submit_sm into the ReceivedSubmit
 * record tests read, and an accepted submit into its receipt deliver_sm.
 */
import { MESSAGE_STATE, STAT_WORDS, formatReceiptText } from '../core/receipt';
import { decodeShortMessage, parseUdh } from '../core/text';
import type { FieldsOf, ShortMessageFields, Tlvs } from '../smpp/codec';
import type { ReceivedSubmit, SimulatedStat } from './simulator-types';

type SubmitFields = Readonly<ShortMessageFields & Tlvs>;

const ESM_CLASS_UDHI = 0x40;
const ESM_CLASS_RECEIPT = 0x04;
/** Characters at the same code in ASCII and GSM 03.38 (receipt text goes out as data_coding 0, ASCII octets). */
const NOT_SAFE_IN_RECEIPT = /[^A-Za-z0-9 .,!?()+\-/:;'"%&*<=>#]/g;

export function receivedSubmitOf(
  f: SubmitFields,
  meta: Pick<ReceivedSubmit, 'systemId' | 'bindId' | 'messageId' | 'commandStatus'>,
): ReceivedSubmit {
  let udh: ReceivedSubmit['udh'];
  if (f.esm_class & ESM_CLASS_UDHI) {
    try {
      const concat = parseUdh(f.short_message).concat;
      if (concat) udh = { ref: concat.reference, total: concat.total, seq: concat.seq };
    } catch {
      // A malformed UDH is recorded as octets only; the simulator does not judge it.
    }
  }
  const sar =
    f.sar_msg_ref_num !== undefined && f.sar_total_segments !== undefined && f.sar_segment_seqnum !== undefined
      ? { refNum: f.sar_msg_ref_num, totalSegments: f.sar_total_segments, seqNum: f.sar_segment_seqnum }
      : undefined;
  // One literal with every key (undefined when absent) keeps one object shape: this runs per submit.
  return {
    systemId: meta.systemId,
    bindId: meta.bindId,
    sourceAddr: f.source_addr,
    sourceAddrTon: f.source_addr_ton,
    sourceAddrNpi: f.source_addr_npi,
    destinationAddr: f.destination_addr,
    destAddrTon: f.dest_addr_ton,
    destAddrNpi: f.dest_addr_npi,
    dataCoding: f.data_coding,
    esmClass: f.esm_class,
    registeredDelivery: f.registered_delivery,
    // Copies: the decoded fields are views into the socket's buffer.
    shortMessage: Buffer.from(f.short_message),
    messagePayload: f.message_payload ? Buffer.from(f.message_payload) : undefined,
    udh,
    sar,
    receivedAt: Date.now(),
    messageId: meta.messageId,
    commandStatus: meta.commandStatus,
  };
}

/**
 * registered_delivery bits 0-1: 1 = a receipt for any final outcome,
 * 2 = failures only, 3 = success only (SMPP 5.0's meaning, common in 3.4 SMSCs).
 */
export function wantsReceipt(registeredDelivery: number, stat: SimulatedStat): boolean {
  const wanted = registeredDelivery & 0x03;
  return wanted === 1 || (wanted === 2 && stat !== 'DELIVRD') || (wanted === 3 && stat === 'DELIVRD');
}

/** The receipt deliver_sm for an accepted submit: esm_class 0x04, text, receipted_message_id and message_state. */
export function receiptFieldsOf(
  f: SubmitFields,
  messageId: string,
  outcome: { readonly stat: SimulatedStat; readonly err: string },
  submittedAt: Date,
  doneAt: Date,
  /** How carriers vary: the id the text shows (default messageId), and whether the receipted_message_id TLV is sent (default true). */
  form: { readonly textId?: string; readonly tlv?: boolean } = {},
): Partial<FieldsOf<'deliver_sm'>> {
  const text = formatReceiptText({ id: form.textId ?? messageId, submitDate: submittedAt, doneDate: doneAt, stat: outcome.stat, err: outcome.err, text: previewOf(f) });
  const errCode = Number.parseInt(outcome.err, 10);
  return {
    source_addr_ton: f.dest_addr_ton,
    source_addr_npi: f.dest_addr_npi,
    source_addr: f.destination_addr,
    dest_addr_ton: f.source_addr_ton,
    dest_addr_npi: f.source_addr_npi,
    destination_addr: f.source_addr,
    esm_class: ESM_CLASS_RECEIPT,
    data_coding: 0,
    short_message: Buffer.from(text, 'latin1'),
    ...(form.tlv === false ? {} : { receipted_message_id: messageId }),
    message_state: STAT_WORDS[outcome.stat] ?? MESSAGE_STATE.UNKNOWN,
    // network_error_code (§5.3.2.31): network type 3 (GSM), then the 2-octet error.
    ...(outcome.stat !== 'DELIVRD' && Number.isInteger(errCode)
      ? { network_error_code: Buffer.from([3, (errCode >> 8) & 0xff, errCode & 0xff]) }
      : {}),
  };
}

/** The receipt's text: field: the message's first 20 characters ('' when not text), unsafe ones as '?'. */
function previewOf(f: SubmitFields): string {
  try {
    const octets = f.short_message.length > 0 ? f.short_message : (f.message_payload ?? Buffer.alloc(0));
    const decoded = decodeShortMessage(octets, f.data_coding, { udhi: (f.esm_class & ESM_CLASS_UDHI) !== 0 });
    return decoded.binary ? '' : decoded.text.slice(0, 20).replace(NOT_SAFE_IN_RECEIPT, '?');
  } catch {
    return '';
  }
}
