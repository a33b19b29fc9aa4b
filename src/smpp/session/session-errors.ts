/**
 * Why a request() did not produce a response, classified by what the caller
 * must do. `sent` says whether the PDU reached the socket:
 * - sent false (window wait expired, session not bound or closing): nothing
 *   went out, the request may be retried elsewhere at once;
 * - sent true (response timeout, session closed while waiting, malformed
 *   response): the peer may have acted on it; the outcome is unknown and
 *   must never be resent blindly.
 * Recognised by name as well as by class (isSmppSessionError).
 */
export type SmppSessionErrorName =
  | 'SmppResponseTimeoutError'
  | 'SmppWindowTimeoutError'
  | 'SmppSessionClosedError'
  | 'SmppStateError'
  | 'SmppProtocolError'
  | 'SmppBindError';

export abstract class SmppSessionError extends Error {
  abstract override readonly name: SmppSessionErrorName;
  constructor(
    message: string,
    /** The PDU was written to the socket: its outcome is unknown. */
    readonly sent: boolean,
  ) {
    super(message);
  }
}

/** No response within responseTimeoutMs. Unknown outcome. */
export class SmppResponseTimeoutError extends SmppSessionError {
  override readonly name = 'SmppResponseTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`no response to ${command} within ${timeoutMs} ms`, true);
  }
}

/** No window slot freed within windowWaitMs. Nothing was sent. */
export class SmppWindowTimeoutError extends SmppSessionError {
  override readonly name = 'SmppWindowTimeoutError';
  constructor(readonly waitedMs: number) {
    super(`no window slot within ${waitedMs} ms`, false);
  }
}

/** The session closed (or began unbinding) before the response came. */
export class SmppSessionClosedError extends SmppSessionError {
  override readonly name = 'SmppSessionClosedError';
  constructor(
    readonly reason: string,
    sent: boolean,
  ) {
    super(`session closed (${reason})${sent ? ' with the request outstanding' : ''}`, sent);
  }
}

/** The request is not allowed in the session's state (e.g. submit_sm before bind). Nothing was sent. */
export class SmppStateError extends SmppSessionError {
  override readonly name = 'SmppStateError';
  constructor(command: string, state: string) {
    super(`${command} not allowed while ${state}`, false);
  }
}

/**
 * The peer answered with something we cannot take as the response: a
 * malformed PDU, or a response of another command. `commandStatus` is the
 * header's, which is trustworthy even when the body is not.
 */
export class SmppProtocolError extends SmppSessionError {
  override readonly name = 'SmppProtocolError';
  constructor(
    message: string,
    readonly commandStatus: number,
  ) {
    super(message, true);
  }
}

/** The peer refused our bind with this command_status (e.g. ESME_RINVPASWD). */
export class SmppBindError extends SmppSessionError {
  override readonly name = 'SmppBindError';
  constructor(readonly commandStatus: number) {
    super(`bind refused with command_status 0x${commandStatus.toString(16).padStart(8, '0')}`, true);
  }
}

const NAMES: ReadonlySet<string> = new Set<SmppSessionErrorName>([
  'SmppResponseTimeoutError',
  'SmppWindowTimeoutError',
  'SmppSessionClosedError',
  'SmppStateError',
  'SmppProtocolError',
  'SmppBindError',
]);

export function isSmppSessionError(error: unknown): error is SmppSessionError {
  return error instanceof SmppSessionError || (error instanceof Error && NAMES.has(error.name) && 'sent' in error);
}
