/**
 * Public boundary of the SMPP session layer: sequence numbers, window,
 * timers, keep-alive, bind state and back-pressure over one socket. No
 * business decisions.
 */
export { MAX_SEQUENCE_NUMBER, SmppSession, type RequestResult } from './smpp-session';
export {
  SmppBindError,
  SmppProtocolError,
  SmppResponseTimeoutError,
  SmppSessionClosedError,
  SmppSessionError,
  SmppStateError,
  SmppWindowTimeoutError,
  isSmppSessionError,
  type SmppSessionErrorName,
} from './session-errors';
export { SESSION_DEFAULTS, type SmppSessionOptions } from './session-options';
export type { BindType, CloseInfo, CloseReason, RequestAnswer, RequestHandler, SessionState, SmppSessionEvents } from './session-types';
