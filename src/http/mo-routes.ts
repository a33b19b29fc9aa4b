/**
 * GET /mo?cursor=&limit= : inbound (MO) messages, newest first. An app
 * (Basic) sees the MOs routed to it; the operator (Bearer) sees every MO,
 * optionally narrowed with ?appId= or ?unrouted=true (MOs no app owns).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { MoRecord } from '../db/mo-store';
import type { BillingApiDeps, RouteGuards } from './billing-deps';
import { parse } from './validate';

export const moQuery = z
  .object({
    cursor: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    appId: z.string().uuid().optional(),
    unrouted: z.enum(['true', 'false']).optional(),
  })
  .strict();

export function moRouter(billing: BillingApiDeps, guard: RouteGuards): Router {
  const router = Router();

  router.get('/mo', guard.either, async (req, res) => {
    const q = parse(moQuery, req.query);
    const own = req.callerApp?.id;
    const page = await billing.mo.list({
      limit: q.limit,
      ...(q.cursor ? { cursor: q.cursor } : {}),
      // An app only ever sees its own; the operator's filters apply to it alone.
      ...(own ? { appId: own } : q.appId ? { appId: q.appId } : {}),
      ...(!own && q.unrouted === 'true' ? { unrouted: true } : {}),
    });
    res.json({ items: page.items.map((m) => view(m, !own)), nextCursor: page.nextCursor });
  });

  return router;
}

function view(m: MoRecord, operator: boolean) {
  return { id: m.id, from: m.from, to: m.to, text: m.text, receivedAt: m.receivedAt.toISOString(), ...(operator ? { appId: m.appId } : {}) };
}
