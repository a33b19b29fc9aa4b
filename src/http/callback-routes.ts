/**
 * Dead-lettered callbacks (status callbacks and MO webhooks whose attempts
 * ran out). The operator (Bearer) sees and handles all of them (?appId=
 * narrows); an app (Basic) only its own:
 * - GET /callbacks/dead?cursor=&limit=
 * - POST /callbacks/dead/:id/retry -> 202: sent again with fresh attempts (leaves the list)
 * - DELETE /callbacks/dead/:id -> 204: discarded
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { GatewayError } from '../core/errors';
import { currentActor } from './auth';
import type { DeadCallbackRecord } from '../db/callback-store';
import { pathParam, type BillingApiDeps, type RouteGuards } from './billing-deps';
import { parse } from './validate';

export const deadQuery = z
  .object({
    cursor: z.string().regex(/^\d{1,18}$/).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    appId: z.string().uuid().optional(),
  })
  .strict();

function entryId(raw: string | undefined): number {
  if (!raw || !/^\d{1,18}$/.test(raw)) throw new GatewayError('NOT_FOUND', 'no such dead callback');
  return Number(raw);
}

/** An app is confined to its own entries; the operator sees all. */
const scope = (req: Request): string | undefined => req.callerApp?.id;

export function callbackRouter(billing: BillingApiDeps, guard: RouteGuards): Router {
  const router = Router();

  router.get('/callbacks/dead', guard.either, async (req, res) => {
    const q = parse(deadQuery, req.query);
    const appId = scope(req) ?? q.appId;
    const page = await billing.deadCallbacks.list({ limit: q.limit, ...(q.cursor ? { cursor: Number(q.cursor) } : {}), ...(appId ? { appId } : {}) });
    res.json({ items: page.items.map(view), nextCursor: page.nextCursor });
  });

  router.post('/callbacks/dead/:id/retry', guard.either, async (req, res) => {
    const id = entryId(pathParam(req.params, 'id'));
    if (!(await billing.deadCallbacks.retry(id, scope(req), currentActor(req)))) throw new GatewayError('NOT_FOUND', 'no such dead callback');
    res.status(202).json({ id: String(id), status: 'requeued' });
  });

  router.delete('/callbacks/dead/:id', guard.either, async (req, res) => {
    const id = entryId(pathParam(req.params, 'id'));
    if (!(await billing.deadCallbacks.remove(id, scope(req), currentActor(req)))) throw new GatewayError('NOT_FOUND', 'no such dead callback');
    res.status(204).end();
  });

  return router;
}

function view(d: DeadCallbackRecord) {
  return {
    id: String(d.id),
    appId: d.appId,
    kind: d.kind,
    url: d.url,
    body: d.body,
    attempts: d.attempts,
    lastError: d.lastError,
    deadAt: d.deadAt.toISOString(),
  };
}
