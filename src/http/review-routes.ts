/**
 * The manual review queue (operator / reviewer):
 * - GET /review/held?accountId=&cursor=&limit= lists held messages, oldest first,
 *   with the rule that held them;
 * - POST /review/held/:id/approve charges the message and sends it on (200
 *   {id, status: "queued", charged}); when the balance no longer covers it, it
 *   ends rejected (200 {id, status: "rejected", errorCode: "INSUFFICIENT_BALANCE"});
 * - POST /review/held/:id/reject {reason?} ends it rejected, never charged.
 * A message that is not held (unknown, or decided already) is a 404. The
 * caller is recorded as the reviewer, in the message's events and the audit trail.
 */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import type { HeldMessage } from '../pipeline/held-review';
import { currentActor } from './auth';
import type { ApiDeps } from './deps';
import { decisionBody, heldListQuery } from './policy-schemas';
import { policyOf } from './rule-routes';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function heldId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such held message');
  return raw.toLowerCase();
}

function view(h: HeldMessage) {
  const m = h.message;
  return {
    id: m.id,
    accountId: m.accountId,
    appId: m.appId,
    to: m.to,
    from: m.from,
    text: m.text,
    parts: m.parts,
    price: m.price,
    status: m.status,
    createdAt: m.createdAt.toISOString(),
    heldAt: h.heldAt.toISOString(),
    rule: h.detail.rule ?? null,
    reason: h.detail.reason ?? null,
  };
}

export function reviewRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/review/held', async (req, res) => {
    const q = parse(heldListQuery, req.query);
    const page = await policyOf(deps).held.list({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}), ...(q.accountId ? { accountId: q.accountId } : {}) });
    res.json({ items: page.items.map(view), nextCursor: page.nextCursor });
  });

  router.post('/review/held/:id/approve', async (req, res) => {
    const id = heldId(req.params.id);
    const decision = await policyOf(deps).held.approve(id, currentActor(req));
    if (!decision) throw new GatewayError('NOT_FOUND', 'no such held message');
    res.json({ id, ...decision });
  });

  router.post('/review/held/:id/reject', async (req, res) => {
    const id = heldId(req.params.id);
    const body = parse(decisionBody, req.body ?? {});
    const finalized = await policyOf(deps).held.reject(id, currentActor(req), body.reason ?? null);
    if (!finalized) throw new GatewayError('NOT_FOUND', 'no such held message');
    res.json({ id, status: finalized.status, errorCode: finalized.errorCode });
  });

  return router;
}
