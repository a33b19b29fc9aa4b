/** The one map from domain error codes to HTTP status, and the JSON error body. */
import type { ErrorRequestHandler, Response } from 'express';
import { ERROR_CODES, GatewayError, isGatewayError, type ErrorCode } from '../core/errors';
import type { Logger } from '../log';

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  INVALID_NUMBER: 400,
  INVALID_SENDER: 400,
  TOO_MANY_RECIPIENTS: 400,
  MESSAGE_TOO_LONG: 400,
  NO_ROUTE: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_BALANCE: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  THROTTLED: 429,
  // Retry-After: seconds until the next calendar month (UTC).
  QUOTA_EXCEEDED: 429,
  INTERNAL: 500,
  QUEUE_UNAVAILABLE: 503,
};

export function sendError(res: Response, error: GatewayError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (error.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Basic realm="smsgw", Bearer');
  res.status(HTTP_STATUS[error.code]).json({
    error: { code: error.code, message: error.message, details: error.details ?? null },
  });
}

/** Body-parser failures carry a `type`; everything else unknown is a 500 that is logged, never leaked. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (isGatewayError(error)) return sendError(res, error);
    const type = (error as { type?: string }).type;
    if (type === 'entity.parse.failed') return sendError(res, new GatewayError('INVALID_REQUEST', 'the body is not valid JSON'));
    if (type === 'entity.too.large') return sendError(res, new GatewayError('PAYLOAD_TOO_LARGE'));
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendError(res, new GatewayError('INVALID_REQUEST', 'unsupported body encoding'));
    }
    log.error({ err: error }, 'unhandled error in HTTP request');
    sendError(res, new GatewayError('INTERNAL', ERROR_CODES.INTERNAL));
  };
}
