/** GET /api/v1/audit (admin): the audit trail, newest first, filtered by entity, entityId and actor. */
import { Router } from 'express';
import type { AuditFilter, AuditRecord } from '../db/audit-store';
import { auditQuery } from './user-schemas';
import { parse } from './validate';

export interface AuditApiDeps {
  readonly list: (filter: AuditFilter) => Promise<AuditRecord[]>;
}

export function auditRouter(deps: AuditApiDeps): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    const q = parse(auditQuery, req.query);
    const rows = await deps.list({
      limit: q.limit + 1,
      ...(q.entity ? { entity: q.entity } : {}),
      ...(q.entityId ? { entityId: q.entityId } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.cursor ? { beforeId: q.cursor } : {}),
    });
    const items = rows.slice(0, q.limit);
    res.json({
      items: items.map((r) => ({ id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, entity: r.entity, entityId: r.entityId, before: r.before, after: r.after, detail: r.detail })),
      nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null,
    });
  });
  return router;
}
