/**
 * What accept checks besides the balance, as ports: the per-app monthly
 * quota (a shared counter, reserved per batch and given back when the batch
 * is not stored) and idempotency keys (stored in the batch's transaction).
 * db/, workers/ and gateway.ts provide the implementations.
 */
import type { QuotaRequest } from '../billing/monthly-quota';
import type { NewMessage } from './types';

export interface QuotaPort {
  /** Monthly quota per app (null = none), from a cache: no database round trip on the hot path. */
  quotas(appIds: readonly string[]): Promise<Map<string, number | null>>;
  /** Reserves each request's count when it fits, in order (one round trip for the batch). */
  reserve(requests: readonly QuotaRequest[], now: Date): Promise<{ allowed: boolean[]; reservations: readonly QuotaReservationRef[] }>;
  release(reservations: readonly QuotaReservationRef[]): Promise<void>;
}

export interface QuotaReservationRef {
  readonly key: string;
  readonly count: number;
}

/** What an Idempotency-Key stores: the body's hash and the response the submission got. */
export interface IdempotencyClaim {
  readonly appId: string;
  readonly key: string;
  readonly bodyHash: string;
  readonly statusCode: number;
  readonly response: unknown;
}

export interface StoredResponse {
  readonly bodyHash: string;
  readonly statusCode: number;
  readonly response: unknown;
}

export interface IdempotentInsert {
  /** Claims and messages in one transaction; per group, whether it was stored (false: its key was taken). */
  insertWithKeys(groups: ReadonlyArray<{ messages: readonly NewMessage[]; claim?: IdempotencyClaim }>): Promise<boolean[]>;
  /** Drops keys of a batch that could not be enqueued (it was not acknowledged). */
  forget(claims: readonly IdempotencyClaim[]): Promise<void>;
}
