/**
 * The validity sweep's SQL: ends messages past their validity that no
 * carrier has (accepted, held, queued, dead-lettered ones included),
 * skipping ones under a live dispatch claim, with their refunds, in one
 * transaction that locks the rows first (FOR UPDATE SKIP LOCKED), so a
 * dispatch claim and the sweep never both win and concurrent sweepers split
 * the work.
 */
import { REFUNDED_STATUSES } from '../core/lifecycle';
import type { ExpiryStore } from '../pipeline/ports';
import type { Finalized } from '../pipeline/types';
import type { Db } from './knex';
import { finalizeIn } from './message-store';
import { query } from './sql';

export class PgExpiryStore implements ExpiryStore {
  constructor(private readonly db: Db) {}

  async expireOverdue(limit: number, claimLeaseMs: number): Promise<Finalized[]> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ id: string }>(
        trx,
        `SELECT id FROM messages
         WHERE status IN ('accepted', 'held', 'queued') AND valid_until <= now()
           AND (dispatch_job IS NULL OR dispatch_claimed_at < now() - ? * interval '1 millisecond')
         ORDER BY valid_until LIMIT ? FOR UPDATE SKIP LOCKED`,
        [claimLeaseMs, limit],
      );
      if (rows.length === 0) return [];
      const items = rows.map((r) => ({
        id: r.id,
        status: 'expired' as const,
        errorCode: 'VALIDITY_EXPIRED',
        detail: { reason: 'validity ended before a carrier took it', source: 'sweeper' },
      }));
      return finalizeIn(trx, items, REFUNDED_STATUSES);
    });
  }
}
