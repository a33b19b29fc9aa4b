/**
 * Codec errors. Each says what the session must do next: a PduDecodeError
 * is answered (generic_nack with `commandStatus`) and the bind survives; a
 * FramingError means the byte stream lost its PDU boundaries, so the only
 * safe move is to close the socket. Recognised by name too (isXxx helpers),
 * since errors cross module boundaries.
 */

/** The 16-octet header, when it could be read. */
export interface PduHeader {
  readonly commandLength: number;
  readonly commandId: number;
  readonly commandStatus: number;
  readonly sequenceNumber: number;
}

/**
 * structure: the octets do not parse as the command (unknown command_id, a
 * field or TLV running past the end, a C-string without NUL): answer with
 * generic_nack (§4.3). value: the PDU parses but a field is invalid (a
 * malformed validity_period): answer with the command's own response.
 */
export type PduFault = 'structure' | 'value';

export class PduDecodeError extends Error {
  override readonly name = 'PduDecodeError';
  constructor(
    message: string,
    /** The command_status to answer with, e.g. ESME_RINVCMDLEN. */
    readonly commandStatus: number,
    /** Absent only when fewer than 16 octets were given. */
    readonly header?: PduHeader,
    readonly fault: PduFault = 'structure',
  ) {
    super(message);
  }
}

/** A PDU we were asked to send is invalid: a bug in the caller, nothing went on the wire. */
export class PduEncodeError extends Error {
  override readonly name = 'PduEncodeError';
}

export class FramingError extends Error {
  override readonly name = 'FramingError';
  constructor(
    message: string,
    /** The command_length that broke framing. */
    readonly commandLength: number,
  ) {
    super(message);
  }
}

export function isPduDecodeError(error: unknown): error is PduDecodeError {
  return error instanceof PduDecodeError || (error instanceof Error && error.name === 'PduDecodeError');
}

export function isFramingError(error: unknown): error is FramingError {
  return error instanceof FramingError || (error instanceof Error && error.name === 'FramingError');
}
