/**
 * The one error catalogue. Codes are stable (clients and logs rely on them);
 * the domain knows no HTTP status and no SMPP command_status: http/ and
 * smpp/server/ each hold exactly one map from these codes.
 */
export const ERROR_CODES = {
  INVALID_REQUEST: 'the request is malformed or a field is invalid',
  INVALID_NUMBER: 'a destination number is not a valid E.164 number',
  INVALID_SENDER: 'the sender id is not valid',
  TOO_MANY_RECIPIENTS: 'too many destination numbers in one request',
  MESSAGE_TOO_LONG: 'the text needs more parts than allowed',
  UNAUTHENTICATED: 'credentials are missing or wrong',
  FORBIDDEN: 'these credentials may not do this',
  NOT_FOUND: 'no such resource',
  CONFLICT: 'the resource already exists or the request conflicts with its state',
  INSUFFICIENT_BALANCE: 'the balance is too low for this submission',
  THROTTLED: 'over the allowed throughput',
  QUOTA_EXCEEDED: "over the app's monthly message quota",
  NO_ROUTE: 'no route covers this destination',
  PAYLOAD_TOO_LARGE: 'the request body is too large',
  QUEUE_UNAVAILABLE: 'the queue or the database is unavailable; try again',
  INTERNAL: 'an internal error occurred',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code],
    readonly details?: unknown,
    /** Seconds after which a retry may succeed (throttling). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Recognised by name too, since errors cross process and module boundaries. */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError || (error instanceof Error && error.name === 'GatewayError' && 'code' in error);
}
