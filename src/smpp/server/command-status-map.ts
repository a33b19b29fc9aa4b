/**
 * The one map from domain error codes (core/errors.ts) to SMPP
 * command_status, for every answer the server gives to a customer's PDU.
 * Anything that is not a GatewayError answers ESME_RSYSERR (and is logged).
 */
import { isGatewayError, type ErrorCode } from '../../core/errors';
import { COMMAND_STATUS } from '../codec';

export const SMPP_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_REQUEST: COMMAND_STATUS.ESME_RINVMSGLEN,
  INVALID_NUMBER: COMMAND_STATUS.ESME_RINVDSTADR,
  INVALID_SENDER: COMMAND_STATUS.ESME_RINVSRCADR,
  TOO_MANY_RECIPIENTS: COMMAND_STATUS.ESME_RINVNUMDESTS,
  MESSAGE_TOO_LONG: COMMAND_STATUS.ESME_RINVMSGLEN,
  // No carrier reaches the destination: permanent for this address.
  NO_ROUTE: COMMAND_STATUS.ESME_RINVDSTADR,
  UNAUTHENTICATED: COMMAND_STATUS.ESME_RINVPASWD,
  FORBIDDEN: COMMAND_STATUS.ESME_RINVBNDSTS,
  NOT_FOUND: COMMAND_STATUS.ESME_RINVMSGID,
  CONFLICT: COMMAND_STATUS.ESME_RSUBMITFAIL,
  // DESIGN.md: balance too low -> ESME_RSUBMITFAIL (0x45).
  INSUFFICIENT_BALANCE: COMMAND_STATUS.ESME_RSUBMITFAIL,
  THROTTLED: COMMAND_STATUS.ESME_RTHROTTLED,
  // The monthly quota: ESME_RTHROTTLED as for throughput (docs/billing.md); retrying helps only next month.
  QUOTA_EXCEEDED: COMMAND_STATUS.ESME_RTHROTTLED,
  PAYLOAD_TOO_LARGE: COMMAND_STATUS.ESME_RINVMSGLEN,
  // DESIGN.md: queue or database unavailable -> ESME_RMSGQFUL (0x14), retry later.
  QUEUE_UNAVAILABLE: COMMAND_STATUS.ESME_RMSGQFUL,
  INTERNAL: COMMAND_STATUS.ESME_RSYSERR,
};

export function commandStatusOf(error: unknown): number {
  return isGatewayError(error) ? SMPP_STATUS[error.code] : COMMAND_STATUS.ESME_RSYSERR;
}
