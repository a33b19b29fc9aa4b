/**
 * The typed PDU model of SMPP 3.4. Field names stay snake_case, exactly as
 * the specification (and the node-smpp tables) spell them; the carrier and
 * server layers translate to camelCase for the rest of the app.
 *
 * Values are wire values, never interpreted: short_message and
 * message_payload are the raw octets, times are the 16-character strings of
 * §7.1.1, C-strings are decoded one character per octet (Latin-1).
 */

/** command_id of every SMPP 3.4 PDU (§5.1.2.1). */
export const COMMAND_IDS = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  submit_multi_resp: 0x80000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

export type CommandName = keyof typeof COMMAND_IDS;

/** Bit 31 of command_id marks a response (§5.1.2.1). */
export const RESPONSE_BIT = 0x80000000;

export type ResponseCommandName = Extract<CommandName, `${string}_resp`> | 'generic_nack';
export type RequestCommandName = Exclude<CommandName, ResponseCommandName>;
/** Requests the peer answers: all but outbind and alert_notification. */
export type AnsweredCommandName = Exclude<RequestCommandName, 'outbind' | 'alert_notification'>;
export type ResponseOf<C extends AnsweredCommandName> = `${C}_resp` & CommandName;
export type BindCommandName = 'bind_transmitter' | 'bind_receiver' | 'bind_transceiver';

export interface BindFields {
  system_id: string;
  password: string;
  system_type: string;
  /** 0x34 for SMPP 3.4 (the codec's default when encoding). */
  interface_version: number;
  addr_ton: number;
  addr_npi: number;
  address_range: string;
}

/** Mandatory fields shared by submit_sm and deliver_sm (§4.4.1, §4.6.1). */
export interface ShortMessageFields {
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  protocol_id: number;
  priority_flag: number;
  /** '' or the 16-character absolute/relative form of §7.1.1. */
  schedule_delivery_time: string;
  validity_period: string;
  registered_delivery: number;
  replace_if_present_flag: number;
  data_coding: number;
  sm_default_msg_id: number;
  /** Raw octets (UDH included), at most 254; longer content goes in message_payload. */
  short_message: Buffer;
}

export interface DestAddress {
  dest_addr_ton?: number;
  dest_addr_npi?: number;
  destination_addr?: string;
  dl_name?: string;
}

export interface UnsuccessSme {
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  error_status_code: number;
}

/**
 * Optional parameters (TLVs, §5.3.2) by name. Any may appear on any PDU
 * (the codec does not police which belong where; peers differ). Values the
 * node-smpp package would "filter" into objects stay raw octets here.
 */
export interface Tlvs {
  dest_addr_subunit?: number;
  dest_network_type?: number;
  dest_bearer_type?: number;
  dest_telematics_id?: number;
  source_addr_subunit?: number;
  source_network_type?: number;
  source_bearer_type?: number;
  source_telematics_id?: number;
  qos_time_to_live?: number;
  payload_type?: number;
  additional_status_info_text?: string;
  receipted_message_id?: string;
  ms_msg_wait_facilities?: number;
  privacy_indicator?: number;
  source_subaddress?: Buffer;
  dest_subaddress?: Buffer;
  user_message_reference?: number;
  user_response_code?: number;
  source_port?: number;
  dest_port?: number;
  sar_msg_ref_num?: number;
  language_indicator?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
  sc_interface_version?: number;
  callback_num_pres_ind?: number[];
  callback_num_atag?: Buffer[];
  number_of_messages?: number;
  callback_num?: Buffer[];
  dpf_result?: number;
  set_dpf?: number;
  ms_availability_status?: number;
  network_error_code?: Buffer;
  message_payload?: Buffer;
  delivery_failure_reason?: number;
  more_messages_to_send?: number;
  /** SMPP message_state (§5.2.28): 1 ENROUTE ... 8 REJECTED. */
  message_state?: number;
  ussd_service_op?: number;
  display_time?: number;
  sms_signal?: number;
  ms_validity?: Buffer;
  alert_on_message_delivery?: number;
  its_reply_type?: number;
  its_session_info?: Buffer;
}

interface MessageIdFields {
  message_id: string;
}

interface SourceFields {
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
}

/** Mandatory parameters per command (§4). Commands with no body map to {}. */
export interface ParamsByCommand {
  generic_nack: object;
  bind_receiver: BindFields;
  bind_receiver_resp: { system_id: string };
  bind_transmitter: BindFields;
  bind_transmitter_resp: { system_id: string };
  bind_transceiver: BindFields;
  bind_transceiver_resp: { system_id: string };
  outbind: { system_id: string; password: string };
  unbind: object;
  unbind_resp: object;
  enquire_link: object;
  enquire_link_resp: object;
  submit_sm: ShortMessageFields;
  submit_sm_resp: MessageIdFields;
  deliver_sm: ShortMessageFields;
  deliver_sm_resp: MessageIdFields;
  submit_multi: Omit<ShortMessageFields, 'dest_addr_ton' | 'dest_addr_npi' | 'destination_addr'> & {
    dest_address: DestAddress[];
  };
  submit_multi_resp: MessageIdFields & { unsuccess_sme: UnsuccessSme[] };
  data_sm: Pick<
    ShortMessageFields,
    | 'service_type'
    | 'source_addr_ton'
    | 'source_addr_npi'
    | 'source_addr'
    | 'dest_addr_ton'
    | 'dest_addr_npi'
    | 'destination_addr'
    | 'esm_class'
    | 'registered_delivery'
    | 'data_coding'
  >;
  data_sm_resp: MessageIdFields;
  query_sm: MessageIdFields & SourceFields;
  query_sm_resp: MessageIdFields & { final_date: string; message_state: number; error_code: number };
  cancel_sm: MessageIdFields &
    SourceFields & { service_type: string; dest_addr_ton: number; dest_addr_npi: number; destination_addr: string };
  cancel_sm_resp: object;
  replace_sm: MessageIdFields &
    SourceFields & {
      schedule_delivery_time: string;
      validity_period: string;
      registered_delivery: number;
      sm_default_msg_id: number;
      short_message: Buffer;
    };
  replace_sm_resp: object;
  alert_notification: SourceFields & { esme_addr_ton: number; esme_addr_npi: number; esme_addr: string };
}

export type FieldsOf<C extends CommandName> = ParamsByCommand[C] & Tlvs;

/** A TLV whose tag the tables do not know (vendor specific, 0x1400-0x3FFF), kept as octets. */
export interface RawTlv {
  readonly tag: number;
  readonly value: Buffer;
}

interface PduOf<C extends CommandName> {
  readonly command: C;
  readonly commandId: number;
  readonly commandStatus: number;
  readonly sequenceNumber: number;
  readonly fields: Readonly<FieldsOf<C>>;
  /** Present only when the PDU carried TLVs of unknown tag. */
  readonly unknownTlvs?: readonly RawTlv[];
}

/** A decoded PDU; a union over commands, so `pdu.command === 'submit_sm'` narrows `fields`. */
export type Pdu<C extends CommandName = CommandName> = C extends CommandName ? PduOf<C> : never;

interface OutgoingPduOf<C extends CommandName> {
  readonly command: C;
  readonly sequenceNumber: number;
  /** 0 unless an error response; must be 0 in a request. Error responses carry no body (§4). */
  readonly commandStatus?: number;
  /** Omitted mandatory fields take the table's default (0 or ''). */
  readonly fields?: Readonly<Partial<FieldsOf<C>>>;
  readonly unknownTlvs?: readonly RawTlv[];
}

/** What encodePdu accepts: a decoded Pdu too, so a PDU can be relayed as it came. */
export type OutgoingPdu<C extends CommandName = CommandName> = C extends CommandName ? OutgoingPduOf<C> : never;

const COMMAND_BY_ID: ReadonlyMap<number, CommandName> = new Map(
  (Object.entries(COMMAND_IDS) as Array<[CommandName, number]>).map(([name, id]) => [id, name]),
);

export function commandNameOf(commandId: number): CommandName | undefined {
  return COMMAND_BY_ID.get(commandId);
}

export function isResponseCommand(command: CommandName): command is ResponseCommandName {
  return (COMMAND_IDS[command] & RESPONSE_BIT) !== 0;
}

export function isBindCommand(command: CommandName): command is BindCommandName {
  return command === 'bind_transmitter' || command === 'bind_receiver' || command === 'bind_transceiver';
}

/** submit_sm -> submit_sm_resp; undefined for responses, outbind and alert_notification. */
export function responseCommandOf(command: CommandName): ResponseCommandName | undefined {
  const name = `${command}_resp`;
  return name in COMMAND_IDS ? (name as ResponseCommandName) : undefined;
}
