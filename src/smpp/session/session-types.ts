/**
 * Types shared by the session and its users: the state machine, the close
 * reasons, and the request handler contract.
 */
import type { CommandName, Pdu } from '../codec';
import type { SmppSession } from './smpp-session';

export type BindType = 'transmitter' | 'receiver' | 'transceiver';

/** Why a session closed. */
export type CloseReason =
  | 'local' // close() called
  | 'unbound' // unbind completed, either side
  | 'peer-closed' // the peer closed the socket
  | 'socket-error'
  | 'framing-error' // command_length out of bounds: the stream is unusable
  | 'inactivity' // nothing received for inactivityTimeoutMs
  | 'enquire-link-timeout' // our keep-alive went unanswered
  | 'bind-timeout'; // not bound within bindTimeoutMs

/**
 * open -> bound -> unbinding -> closed; open -> closed and bound -> closed
 * on any failure. Timestamps are epoch ms.
 */
export type SessionState =
  | { readonly kind: 'open'; readonly sinceMs: number }
  | { readonly kind: 'bound'; readonly bindType: BindType; readonly systemId: string; readonly sinceMs: number }
  | { readonly kind: 'unbinding'; readonly initiatedBy: 'local' | 'peer'; readonly sinceMs: number }
  | { readonly kind: 'closed'; readonly reason: CloseReason; readonly sinceMs: number };

export interface CloseInfo {
  readonly reason: CloseReason;
  readonly error?: Error;
  /** The bind this session had, if it was ever bound (for routing the event). */
  readonly boundAs?: { readonly bindType: BindType; readonly systemId: string };
}

/**
 * The answer to a peer's request: the session builds `<command>_resp` with
 * the request's sequence number. Fields are those of the response command
 * (e.g. message_id for submit_sm_resp); ignored when commandStatus != 0.
 */
export interface RequestAnswer {
  readonly commandStatus?: number;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * Answers one inbound request. Resolving null sends no response at all (a
 * simulator playing dead); throwing or rejecting answers ESME_RSYSERR.
 * The session calls it for bind_*, submit_sm, deliver_sm, query_sm, ... but
 * never for enquire_link or unbind, which it answers itself.
 */
export type RequestHandler = (pdu: Pdu, session: SmppSession) => RequestAnswer | null | Promise<RequestAnswer | null>;

export type SmppSessionEvents = {
  close: [info: CloseInfo];
  bound: [state: Extract<SessionState, { kind: 'bound' }>];
  /** A PDU we could not take (decode error, response nobody waits for); for logs and metrics. */
  protocolError: [error: Error, command?: CommandName];
};

export const BIND_TYPE_OF = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
} as const satisfies Record<string, BindType>;

export const BIND_COMMAND_OF = {
  transmitter: 'bind_transmitter',
  receiver: 'bind_receiver',
  transceiver: 'bind_transceiver',
} as const satisfies Record<BindType, CommandName>;
