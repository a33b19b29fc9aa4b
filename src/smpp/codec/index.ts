/**
 * Public boundary of the SMPP codec: the typed PDU model, encode/decode,
 * framing and the command_status table. The only importer of the npm
 * `smpp` package in the repo; nothing here keeps session state.
 */
export { COMMAND_STATUS, commandStatusName, type CommandStatusName } from './command-status';
export { decodePdu, peekHeader } from './decode-pdu';
export { encodePdu, MAX_SHORT_MESSAGE_OCTETS } from './encode-pdu';
export {
  FramingError,
  PduDecodeError,
  PduEncodeError,
  isFramingError,
  isPduDecodeError,
  type PduFault,
  type PduHeader,
} from './pdu-errors';
export { DEFAULT_MAX_PDU_OCTETS, PDU_HEADER_OCTETS, PduFramer, type PduFramerOptions } from './pdu-framer';
export { INTERFACE_VERSION_34 } from './pdu-tables';
export {
  COMMAND_IDS,
  RESPONSE_BIT,
  commandNameOf,
  isBindCommand,
  isResponseCommand,
  responseCommandOf,
  type AnsweredCommandName,
  type BindCommandName,
  type BindFields,
  type CommandName,
  type DestAddress,
  type FieldsOf,
  type OutgoingPdu,
  type ParamsByCommand,
  type Pdu,
  type RawTlv,
  type RequestCommandName,
  type ResponseCommandName,
  type ResponseOf,
  type ShortMessageFields,
  type Tlvs,
  type UnsuccessSme,
} from './pdu-types';
