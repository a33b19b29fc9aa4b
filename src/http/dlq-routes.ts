/**
 * Operator API for the dead-letter queue (Bearer ADMIN_TOKEN):
 * - GET /dlq?cursor=&limit= lists the messages whose dispatch attempts ran
 *   out, oldest first, with the reason;
 * - POST /dlq/:id/requeue sends one back to dispatch with fresh attempts
 *   (202; the message keeps its id, charge and callbacks);
 * - DELETE /dlq/:id gives up on one: it ends `failed` and is refunded;
 * - POST /dlq/requeue-all and /dlq/discard-all do that to every message in
 *   the queue (answering how many, and the refunded total).
 * A message not in the queue (never there, requeued, or final) is a 404.
 */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import type { DeadLetter } from '../pipeline/ports';
import type { ApiDeps } from './deps';
import { dlqListQuery } from './schemas';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function messageId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such message in the dead-letter queue');
  return raw;
}

function view(d: DeadLetter) {
  const m = d.message;
  return {
    id: m.id,
    to: m.to,
    from: m.from,
    accountId: m.accountId,
    appId: m.appId,
    status: m.status,
    parts: m.parts,
    price: m.price,
    priority: m.priority,
    reason: d.reason,
    attempts: d.attempts,
    requeues: d.requeues,
    detail: d.detail,
    deadAt: d.deadAt.toISOString(),
    validUntil: m.validUntil.toISOString(),
  };
}

export function dlqRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/dlq', async (req, res) => {
    const q = parse(dlqListQuery, req.query);
    const page = await deps.deadLetters.list({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    res.json({ items: page.items.map(view), nextCursor: page.nextCursor });
  });

  router.post('/dlq/:id/requeue', async (req, res) => {
    const id = messageId(req.params.id);
    const requeued = await deps.deadLetters.requeue(id);
    if (!requeued) throw new GatewayError('NOT_FOUND', 'no such message in the dead-letter queue');
    res.status(202).json({ id, status: 'queued', requeues: requeued.generation });
  });

  router.delete('/dlq/:id', async (req, res) => {
    const id = messageId(req.params.id);
    const finalized = await deps.deadLetters.discard(id);
    if (!finalized) throw new GatewayError('NOT_FOUND', 'no such message in the dead-letter queue');
    res.json({ id, status: finalized.status, errorCode: finalized.errorCode, refunded: finalized.refunded });
  });

  // Bulk (issue 8): every message in the queue at the time of the call, page by page, oldest first.
  router.post('/dlq/requeue-all', async (_req, res) => {
    let requeued = 0;
    await eachDeadLetter(deps, async (id) => {
      if (await deps.deadLetters.requeue(id)) requeued++;
    });
    res.status(202).json({ requeued });
  });

  router.post('/dlq/discard-all', async (_req, res) => {
    let discarded = 0;
    let refunded = 0;
    await eachDeadLetter(deps, async (id) => {
      const finalized = await deps.deadLetters.discard(id);
      if (!finalized) return;
      discarded++;
      refunded += finalized.refunded;
    });
    res.json({ discarded, refunded });
  });

  return router;
}

/** Walks the queue by cursor (entries handled meanwhile leave it, so the cursor, not the offset, moves on). */
async function eachDeadLetter(deps: ApiDeps, fn: (id: string) => Promise<void>): Promise<void> {
  let cursor: string | undefined;
  for (;;) {
    const page = await deps.deadLetters.list({ limit: 200, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) await fn(item.message.id);
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
