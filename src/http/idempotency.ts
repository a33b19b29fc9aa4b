/**
 * The Idempotency-Key header of POST /api/v1/messages: the key (per app),
 * the hash of the request's body (canonical JSON: key order does not
 * matter), and the replay of a stored response. The same key with the same
 * body within 24 h answers the first response again (same ids, same status,
 * header Idempotent-Replayed: true); with a different body it is a 409.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { GatewayError } from '../core/errors';
import type { StoredResponse } from '../pipeline/accept-limits';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The key, or undefined when the request has none; 1-255 visible ASCII characters. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] ?? '' : raw;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new GatewayError('INVALID_REQUEST', 'Idempotency-Key must be 1-255 visible ASCII characters');
  }
  return key;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(body ?? null))).digest('hex');
}

export function replay(res: Response, stored: StoredResponse, hash: string): void {
  if (stored.bodyHash !== hash) {
    throw new GatewayError('CONFLICT', 'this Idempotency-Key was used with a different request body', { header: 'Idempotency-Key' });
  }
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(stored.statusCode).json(stored.response);
}
