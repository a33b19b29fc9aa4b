/**
 * Inbound (MO) messages, stored before the carrier is acknowledged, and
 * routed to their owning app in the same statement: the app that owns the
 * destination number with the MO's first word as keyword, else the one
 * that owns the number without a keyword, else none (stored unrouted).
 */
import type { InboundMo } from '../pipeline/inbound';
import type { MoRoute, RoutableMo } from '../pipeline/mo-routing';
import type { Db } from './knex';
import { exec, query } from './sql';

export interface MoRecord {
  readonly id: string;
  readonly appId: string | null;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly receivedAt: Date;
}

interface MoRow {
  id: string;
  app_id: string | null;
  from_number: string;
  to_number: string;
  text: string;
  received_at: Date;
}

const clean = (text: string) => text.replaceAll('\u0000', '');

export class MoStore {
  constructor(private readonly db: Db) {}

  async insert(mo: InboundMo): Promise<void> {
    await exec(this.db, 
      `INSERT INTO mo_messages (id, carrier_id, from_number, to_number, text, received_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [mo.id, mo.carrierId, mo.from, mo.to, clean(mo.text), mo.receivedAt],
    );
  }

  /** Stores a batch (one statement) with each MO's owning app; answers each MO's app and its moUrl. */
  async insertRouted(mos: readonly RoutableMo[]): Promise<MoRoute[]> {
    if (mos.length === 0) return [];
    return query<MoRoute>(
      this.db,
      `WITH t AS (
         SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])
           AS t(id, carrier_id, from_number, to_number, text, received_at, keyword)
       ), r AS (
         SELECT t.*, (SELECT n.app_id FROM app_numbers n
                       WHERE n.number = t.to_number AND n.keyword IN (t.keyword, '')
                       ORDER BY n.keyword = '' LIMIT 1) AS app_id
         FROM t
       ), ins AS (
         INSERT INTO mo_messages (id, carrier_id, app_id, from_number, to_number, text, received_at)
         SELECT id, carrier_id, app_id, from_number, to_number, text, received_at FROM r
         ON CONFLICT (id) DO NOTHING
       )
       SELECT r.id, r.app_id AS "appId", a.mo_url AS "moUrl" FROM r LEFT JOIN apps a ON a.id = r.app_id`,
      [
        mos.map((m) => m.id),
        mos.map((m) => m.carrierId),
        mos.map((m) => m.from),
        mos.map((m) => m.to),
        mos.map((m) => clean(m.text)),
        mos.map((m) => m.receivedAt.toISOString()),
        mos.map((m) => m.keyword),
      ],
    );
  }

  /** Newest first; `appId` narrows to one app, `unrouted` to MOs no app owns. Cursor: the last id of the previous page. */
  async list(filter: { appId?: string; unrouted?: boolean; cursor?: string; limit: number }): Promise<{ items: MoRecord[]; nextCursor: string | null }> {
    const rows = await query<MoRow>(
      this.db,
      `SELECT id, app_id, from_number, to_number, text, received_at FROM mo_messages
        WHERE (?::uuid IS NULL OR app_id = ?) AND (NOT ?::boolean OR app_id IS NULL) AND (?::uuid IS NULL OR id < ?)
        ORDER BY id DESC LIMIT ?`,
      [filter.appId ?? null, filter.appId ?? null, filter.unrouted ?? false, filter.cursor ?? null, filter.cursor ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map((r) => ({ id: r.id, appId: r.app_id, from: r.from_number, to: r.to_number, text: r.text, receivedAt: r.received_at }));
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null };
  }
}
