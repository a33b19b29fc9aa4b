/**
 * Dead-lettered callbacks: status and MO webhooks whose attempts ran out,
 * kept until an operator or the app retries or discards them.
 */
import type { DeadCallback } from '../pipeline/notify';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query } from './sql';

export interface DeadCallbackRecord extends DeadCallback {
  readonly id: number;
  readonly deadAt: Date;
}

interface Row {
  id: number;
  app_id: string;
  kind: 'status' | 'mo';
  url: string;
  body: string;
  attempts: number;
  last_error: string | null;
  dead_at: Date;
}

const toRecord = (r: Row): DeadCallbackRecord => ({
  id: Number(r.id),
  appId: r.app_id,
  kind: r.kind,
  url: r.url,
  body: r.body,
  attempts: r.attempts,
  lastError: r.last_error ?? '',
  deadAt: r.dead_at,
});

export class CallbackStore {
  constructor(private readonly db: Db) {}

  async insert(entries: readonly DeadCallback[]): Promise<void> {
    if (entries.length === 0) return;
    // Apps that no longer exist are skipped (the join), instead of failing the whole batch.
    await exec(
      this.db,
      `INSERT INTO dead_callbacks (app_id, kind, url, body, attempts, last_error)
       SELECT t.* FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[])
         AS t(app_id, kind, url, body, attempts, last_error)
       JOIN apps a ON a.id = t.app_id`,
      [
        entries.map((e) => e.appId),
        entries.map((e) => e.kind),
        entries.map((e) => e.url),
        entries.map((e) => e.body),
        entries.map((e) => e.attempts),
        entries.map((e) => e.lastError),
      ],
    );
  }

  /** Newest first; `appId` narrows to one app. Cursor: the id of the last row of the previous page. */
  async list(filter: { appId?: string; cursor?: number; limit: number }): Promise<{ items: DeadCallbackRecord[]; nextCursor: string | null }> {
    const rows = await query<Row>(
      this.db,
      `SELECT * FROM dead_callbacks
        WHERE (?::uuid IS NULL OR app_id = ?) AND (?::bigint IS NULL OR id < ?)
        ORDER BY id DESC LIMIT ?`,
      [filter.appId ?? null, filter.appId ?? null, filter.cursor ?? null, filter.cursor ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map(toRecord);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1]!.id) : null };
  }

  async get(id: number, appId?: string): Promise<DeadCallbackRecord | undefined> {
    const rows = await query<Row>(this.db, 'SELECT * FROM dead_callbacks WHERE id = ? AND (?::uuid IS NULL OR app_id = ?)', [id, appId ?? null, appId ?? null]);
    return rows[0] && toRecord(rows[0]);
  }

  /** Removes an entry (audited as `action`: 'retry' or 'discard'); false when it was not there (any more). */
  async remove(id: number, appId: string | undefined, audit: { actor: string; action: 'retry' | 'discard' }): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = await query<Row>(trx, 'DELETE FROM dead_callbacks WHERE id = ? AND (?::uuid IS NULL OR app_id = ?) RETURNING *', [id, appId ?? null, appId ?? null]);
      const row = rows[0];
      if (!row) return false;
      const { body: _body, ...entry } = toRecord(row);
      await recordAudit(trx, { actor: audit.actor, action: audit.action, entity: 'dead_callback', entityId: String(id), before: entry });
      return true;
    });
  }
}
