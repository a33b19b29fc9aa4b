/**
 * Numbers and short codes owned by apps, for MO routing: (number, keyword)
 * is unique across apps; keyword '' takes every MO to the number that no
 * keyword entry of the number claims.
 */
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { query } from './sql';

export interface AppNumber {
  readonly id: string;
  readonly appId: string;
  readonly number: string;
  /** Upper case; null = every MO to the number. */
  readonly keyword: string | null;
  readonly createdAt: Date;
}

interface Row {
  id: string;
  app_id: string;
  number: string;
  keyword: string;
  created_at: Date;
}

const toNumber = (r: Row): AppNumber => ({ id: r.id, appId: r.app_id, number: r.number, keyword: r.keyword === '' ? null : r.keyword, createdAt: r.created_at });

export type AddNumberResult = { kind: 'added'; number: AppNumber } | { kind: 'no-app' } | { kind: 'taken'; appId: string };

export class NumberStore {
  constructor(private readonly db: Db) {}

  async add(appId: string, number: string, keyword: string | null, actor: string): Promise<AddNumberResult> {
    return this.db.transaction(async (trx) => {
      const app = await query<{ id: string }>(trx, 'SELECT id FROM apps WHERE id = ?', [appId]);
      if (!app[0]) return { kind: 'no-app' } as const;
      const rows = await query<Row>(
        trx,
        `INSERT INTO app_numbers (app_id, number, keyword) VALUES (?, ?, ?)
         ON CONFLICT (number, keyword) DO NOTHING RETURNING *`,
        [appId, number, keyword ?? ''],
      );
      if (!rows[0]) {
        const owner = await query<{ app_id: string }>(trx, 'SELECT app_id FROM app_numbers WHERE number = ? AND keyword = ?', [number, keyword ?? '']);
        return { kind: 'taken', appId: owner[0]?.app_id ?? '' } as const;
      }
      const added = toNumber(rows[0]);
      await recordAudit(trx, { actor, action: 'create', entity: 'app_number', entityId: added.id, after: added });
      return { kind: 'added', number: added } as const;
    });
  }

  async list(appId: string): Promise<AppNumber[]> {
    const rows = await query<Row>(this.db, 'SELECT * FROM app_numbers WHERE app_id = ? ORDER BY number, keyword', [appId]);
    return rows.map(toNumber);
  }

  async remove(appId: string, id: string, actor: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = await query<Row>(trx, 'DELETE FROM app_numbers WHERE id = ? AND app_id = ? RETURNING *', [id, appId]);
      if (!rows[0]) return false;
      await recordAudit(trx, { actor, action: 'delete', entity: 'app_number', entityId: id, before: toNumber(rows[0]) });
      return true;
    });
  }
}
