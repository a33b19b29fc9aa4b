/**
 * The audit trail: one row per change made by an operator, a user or the
 * system. Write it in the same transaction as the change it records.
 */
import { query, type Executor } from './sql';

export interface AuditEntry {
  /** 'operator', 'user:<uuid>' or 'system'. */
  actor: string;
  /** A verb such as 'create', 'update', 'delete', 'approve', 'reject', 'credit'. */
  action: string;
  /** What kind of thing changed: 'route', 'carrier', 'rule', 'account', 'app', 'key', 'message', ... */
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  detail?: unknown;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'entityId'>> {
  id: number;
  at: Date;
  entityId: string | null;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await recordAudits(db, [entry]);
}

export async function recordAudits(db: Executor, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await query(
    db,
    `INSERT INTO audit_log (actor, action, entity, entity_id, before, after, detail)
     SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::jsonb[], ?::jsonb[])`,
    [
      entries.map((e) => e.actor),
      entries.map((e) => e.action),
      entries.map((e) => e.entity),
      entries.map((e) => e.entityId ?? null),
      entries.map((e) => json(e.before)),
      entries.map((e) => json(e.after)),
      entries.map((e) => json(e.detail)),
    ],
  );
}

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  actor?: string;
  /** Rows with an id below this (cursor pagination, newest first). */
  beforeId?: number;
  limit: number;
}

export async function listAudit(db: Executor, filter: AuditFilter): Promise<AuditRecord[]> {
  const rows = await query<{ id: string | number; at: Date; actor: string; action: string; entity: string; entity_id: string | null; before: unknown; after: unknown; detail: unknown }>(
    db,
    `SELECT id, at, actor, action, entity, entity_id, before, after, detail FROM audit_log
      WHERE (?::text IS NULL OR entity = ?) AND (?::text IS NULL OR entity_id = ?)
        AND (?::text IS NULL OR actor = ?) AND (?::bigint IS NULL OR id < ?)
      ORDER BY id DESC LIMIT ?`,
    [filter.entity ?? null, filter.entity ?? null, filter.entityId ?? null, filter.entityId ?? null, filter.actor ?? null, filter.actor ?? null, filter.beforeId ?? null, filter.beforeId ?? null, filter.limit],
  );
  return rows.map((r) => ({ id: Number(r.id), at: r.at, actor: r.actor, action: r.action, entity: r.entity, entityId: r.entity_id, before: r.before, after: r.after, detail: r.detail }));
}
