/**
 * Message templates in PostgreSQL. Every change bumps
 * config_versions('templates') in its transaction (edge processes drop
 * their template cache, see src/policy/template-cache.ts) and writes an
 * audit row.
 */
import { GatewayError } from '../core/errors';
import type { RatePolicy } from '../policy/rate-policy';
import type { TemplateRecord, TemplateStatus } from '../policy/template-cache';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query, type Executor } from './sql';

interface TemplateRow {
  id: string;
  app_id: string;
  name: string;
  body: string;
  rate_per_minute: number | null;
  rate_per_day: number | null;
  status: TemplateStatus;
  created_by: string;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: Date;
}

const toTemplate = (r: TemplateRow): TemplateRecord => ({
  id: r.id,
  appId: r.app_id,
  name: r.name,
  body: r.body,
  ratePolicy: r.rate_per_minute === null && r.rate_per_day === null ? null : { perMinute: r.rate_per_minute, perDay: r.rate_per_day },
  status: r.status,
  createdBy: r.created_by,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
  createdAt: r.created_at,
});

/** What the API shows and the audit trail keeps of a template. */
export function templateView(t: TemplateRecord) {
  return {
    id: t.id,
    appId: t.appId,
    name: t.name,
    body: t.body,
    ratePolicy: t.ratePolicy,
    status: t.status,
    createdBy: t.createdBy,
    decidedBy: t.decidedBy,
    decidedAt: t.decidedAt?.toISOString() ?? null,
    decisionReason: t.decisionReason,
    createdAt: t.createdAt.toISOString(),
  };
}

async function bump(db: Executor): Promise<void> {
  await exec(db, `UPDATE config_versions SET version = version + 1 WHERE name = 'templates'`);
}

export class TemplateStore {
  constructor(private readonly db: Db) {}

  async version(): Promise<number> {
    const rows = await query<{ version: number }>(this.db, `SELECT version FROM config_versions WHERE name = 'templates'`);
    return rows[0]?.version ?? 0;
  }

  async forApp(appId: string): Promise<TemplateRecord[]> {
    return (await query<TemplateRow>(this.db, 'SELECT * FROM templates WHERE app_id = ? ORDER BY created_at, id', [appId])).map(toTemplate);
  }

  async get(id: string): Promise<TemplateRecord | undefined> {
    const rows = await query<TemplateRow>(this.db, 'SELECT * FROM templates WHERE id = ?', [id]);
    return rows[0] ? toTemplate(rows[0]) : undefined;
  }

  async appExists(appId: string): Promise<boolean> {
    return (await query(this.db, 'SELECT 1 FROM apps WHERE id = ?', [appId])).length > 0;
  }

  /** Oldest first, optionally of one app and/or one status; the cursor is the last id of the previous page. */
  async list(filter: { appId?: string | undefined; status?: TemplateStatus | undefined; cursor?: string | undefined; limit: number }): Promise<{ items: TemplateRecord[]; nextCursor: string | null }> {
    const rows = await query<TemplateRow>(
      this.db,
      `SELECT * FROM templates
       WHERE (?::uuid IS NULL OR app_id = ?::uuid) AND (?::text IS NULL OR status = ?::text)
         AND (?::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM templates WHERE id = ?::uuid))
       ORDER BY created_at, id LIMIT ?`,
      [filter.appId ?? null, filter.appId ?? null, filter.status ?? null, filter.status ?? null, filter.cursor ?? null, filter.cursor ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map(toTemplate);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null };
  }

  /** A new template, pending approval. A second template of the same name for the app is a CONFLICT. */
  async create(appId: string, input: { name: string; body: string; ratePolicy: RatePolicy | null }, actor: string): Promise<TemplateRecord> {
    return this.db.transaction(async (trx) => {
      const rows = await query<TemplateRow>(
        trx,
        `INSERT INTO templates (app_id, name, body, rate_per_minute, rate_per_day, created_by)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, name) DO NOTHING RETURNING *`,
        [appId, input.name, input.body, input.ratePolicy?.perMinute ?? null, input.ratePolicy?.perDay ?? null, actor],
      );
      if (!rows[0]) throw new GatewayError('CONFLICT', `the app already has a template named "${input.name}"`, { name: input.name });
      const created = toTemplate(rows[0]);
      await bump(trx);
      await recordAudit(trx, { actor, action: 'create', entity: 'template', entityId: created.id, after: templateView(created) });
      return created;
    });
  }

  /**
   * Approves or rejects (also revokes an approval). Undefined when there is
   * no such template.
   */
  async decide(id: string, status: 'approved' | 'rejected', actor: string, reason: string | null): Promise<TemplateRecord | undefined> {
    return this.db.transaction(async (trx) => {
      const before = await query<TemplateRow>(trx, 'SELECT * FROM templates WHERE id = ? FOR UPDATE', [id]);
      if (!before[0]) return undefined;
      const rows = await query<TemplateRow>(
        trx,
        `UPDATE templates SET status = ?, decided_by = ?, decided_at = now(), decision_reason = ? WHERE id = ? RETURNING *`,
        [status, actor, reason, id],
      );
      const after = toTemplate(rows[0]!);
      await bump(trx);
      await recordAudit(trx, {
        actor,
        action: status === 'approved' ? 'approve' : 'reject',
        entity: 'template',
        entityId: id,
        before: templateView(toTemplate(before[0])),
        after: templateView(after),
        ...(reason ? { detail: { reason } } : {}),
      });
      return after;
    });
  }

  /** False when there is no such template (of that app, when appId is given). */
  async delete(id: string, actor: string, appId?: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = await query<TemplateRow>(trx, 'DELETE FROM templates WHERE id = ? AND (?::uuid IS NULL OR app_id = ?::uuid) RETURNING *', [id, appId ?? null, appId ?? null]);
      if (!rows[0]) return false;
      await bump(trx);
      await recordAudit(trx, { actor, action: 'delete', entity: 'template', entityId: id, before: templateView(toTemplate(rows[0])) });
      return true;
    });
  }
}
