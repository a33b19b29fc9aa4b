/**
 * deliver_sm fields for a notice: a receipt (esm_class 0x04, DESIGN.md
 * receipt text, receipted_message_id and message_state TLVs) or an MO
 * message. Text goes as GSM 03.38 unpacked (data_coding 0) when it fits the
 * alphabet, else UCS-2 (data_coding 8); longer than 254 octets it goes in
 * message_payload.
 */
import { formatReceiptText, STAT_WORDS } from '../../core/receipt';
import { encodeGsm7Unpacked, encodeUcs2, isGsm7 } from '../../core/text';
import type { EsmeNotice } from '../../pipeline/esme-notify';
import { MAX_SHORT_MESSAGE_OCTETS, type FieldsOf } from '../codec';

export const ESM_CLASS_RECEIPT = 0x04;

/** TON/NPI of an address: digits are international E.164, anything else alphanumeric. */
function address(addr: string): { ton: number; npi: number } {
  return /^\d+$/.test(addr) ? { ton: 1, npi: 1 } : addr === '' ? { ton: 0, npi: 0 } : { ton: 5, npi: 0 };
}

function content(text: string): Pick<FieldsOf<'deliver_sm'>, 'data_coding' | 'short_message' | 'message_payload'> {
  const gsm = isGsm7(text);
  const octets = gsm ? encodeGsm7Unpacked(text) : encodeUcs2(text);
  const dataCoding = gsm ? 0 : 8;
  return octets.length <= MAX_SHORT_MESSAGE_OCTETS
    ? { data_coding: dataCoding, short_message: octets }
    : { data_coding: dataCoding, short_message: Buffer.alloc(0), message_payload: octets };
}

/** The receipt's `text:` field in the GSM alphabet (other characters read '?'), so the receipt stays data_coding 0. */
function gsmSafe(text: string): string {
  return Array.from(text, (c) => (isGsm7(c) ? c : '?')).join('');
}

export function deliverSmFields(n: EsmeNotice): Partial<FieldsOf<'deliver_sm'>> {
  const src = address(n.from);
  const dst = address(n.to);
  const common = {
    source_addr_ton: src.ton,
    source_addr_npi: src.npi,
    source_addr: n.from,
    dest_addr_ton: dst.ton,
    dest_addr_npi: dst.npi,
    destination_addr: n.to,
  };
  if (n.kind === 'mo') return { ...common, esm_class: 0, ...content(n.text) };
  const text = formatReceiptText({
    id: n.receiptId,
    submitDate: new Date(n.submitDate),
    doneDate: new Date(n.doneDate),
    stat: n.stat,
    err: n.err,
    text: gsmSafe(n.textStart),
  });
  return {
    ...common,
    esm_class: ESM_CLASS_RECEIPT,
    ...content(text),
    receipted_message_id: n.receiptId,
    message_state: STAT_WORDS[n.stat],
  };
}
