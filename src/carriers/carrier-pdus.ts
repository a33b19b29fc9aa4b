/**
 * The one translation between the carrier contract (camelCase, types.ts)
 * and SMPP fields (snake_case): OutboundPart -> submit_sm fields, deliver_sm
 * / data_sm -> InboundDeliver. Octets pass through untouched: GSM goes out
 * as data_coding 0 unpacked septets exactly as the part carries them.
 */
import { MAX_SHORT_MESSAGE_OCTETS, type FieldsOf, type Pdu } from '../smpp/codec';
import type { InboundDeliver, OutboundPart } from './types';

/** dest_addr_ton / npi for E.164 digits when the part does not say. */
const TON_INTERNATIONAL = 1;
const NPI_ISDN = 1;

export function submitSmFields(part: OutboundPart, serviceType = ''): Partial<FieldsOf<'submit_sm'>> {
  const long = part.shortMessage.length > MAX_SHORT_MESSAGE_OCTETS;
  return {
    service_type: serviceType,
    source_addr_ton: part.sourceAddrTon,
    source_addr_npi: part.sourceAddrNpi,
    source_addr: part.sourceAddr,
    dest_addr_ton: part.destAddrTon ?? TON_INTERNATIONAL,
    dest_addr_npi: part.destAddrNpi ?? NPI_ISDN,
    destination_addr: part.destinationAddr,
    esm_class: part.esmClass,
    registered_delivery: part.registeredDelivery,
    data_coding: part.dataCoding,
    // Above 254 octets the content must travel in message_payload (§5.3.2.32), short_message empty.
    short_message: long ? Buffer.alloc(0) : part.shortMessage,
    ...(long ? { message_payload: part.shortMessage } : {}),
    ...(part.sar
      ? { sar_msg_ref_num: part.sar.refNum, sar_total_segments: part.sar.totalSegments, sar_segment_seqnum: part.sar.seqNum }
      : {}),
  };
}

/** deliver_sm or data_sm -> InboundDeliver; octets are copied (the handler may keep them). */
export function inboundDeliverOf(carrierId: string, pdu: Pdu<'deliver_sm' | 'data_sm'>): InboundDeliver {
  const f = pdu.fields;
  const shortMessage = 'short_message' in f && f.short_message.length > 0 ? f.short_message : f.message_payload;
  return {
    carrierId,
    sourceAddr: f.source_addr,
    destinationAddr: f.destination_addr,
    esmClass: f.esm_class,
    dataCoding: f.data_coding,
    shortMessage: Buffer.from(shortMessage ?? Buffer.alloc(0)),
    ...(f.receipted_message_id !== undefined ? { receiptedMessageId: f.receipted_message_id } : {}),
    ...(f.message_state !== undefined ? { messageState: f.message_state } : {}),
    ...(f.network_error_code !== undefined ? { networkErrorCode: Buffer.from(f.network_error_code) } : {}),
  };
}
