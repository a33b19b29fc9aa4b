/**
 * Batches (campaigns) and cancelling (issue 10, docs/campaigns.md):
 * POST /batches checks and prices every recipient (src/campaigns/batch-plan.ts),
 * stores the batch and its recipients and enqueues its expansion before
 * answering 202; the messages are made in the background. Progress, the
 * batch's messages, the app's batches, and cancelling a batch or one message.
 * Who may call what: api-routes.ts.
 */
import { Router, type Request } from 'express';
import { planBatch, type BatchPlan, type BatchRecipientInput } from '../campaigns/batch-plan';
import { recipientsFromCsv } from '../campaigns/csv';
import type { NewBatch } from '../campaigns/ports';
import { resolveScheduleAt } from '../campaigns/schedule';
import { GatewayError } from '../core/errors';
import { isMessageId, newMessageId } from '../core/id';
import type { BatchCounts, BatchRecord, BatchScope } from '../db/batch-store';
import type { IdempotencyClaim } from '../pipeline/accept-limits';
import type { Finalized } from '../pipeline/types';
import { currentApp } from './auth';
import { scopeOf } from './authorize';
import { batchBody, batchCsvQuery, batchListQuery, batchMessagesQuery } from './batch-schemas';
import type { ApiDeps } from './deps';
import { messageView } from './message-routes';
import { bodyHash, idempotencyKeyOf, replay } from './idempotency';
import { policyOf } from './rule-routes';
import { parse } from './validate';

export interface BatchApiDeps {
  readonly store: {
    get(scope: BatchScope, id: string): Promise<BatchRecord | undefined>;
    list(scope: BatchScope, options: { cursor?: string; limit: number }): Promise<{ items: BatchRecord[]; nextCursor: string | null }>;
    counts(batchId: string): Promise<BatchCounts>;
    cancelBatch(scope: BatchScope, batchId: string, claimLeaseMs: number): Promise<{ batch: BatchRecord; finalized: Finalized[] } | undefined>;
    cancelMessage(
      scope: BatchScope,
      id: string,
      claimLeaseMs: number,
    ): Promise<{ outcome: 'cancelled'; finalized: Finalized } | { outcome: 'not-found' } | { outcome: 'conflict'; status: string }>;
  };
  /** src/campaigns/create-batch.ts bound to its dependencies ('duplicate': the claim's key was taken). */
  create(batch: NewBatch, plan: BatchPlan, claim?: IdempotencyClaim): Promise<'created' | 'duplicate'>;
  /** Status callbacks and metrics of what a cancel finalized. */
  onFinalized(finalized: readonly Finalized[]): Promise<void>;
  /** A dispatch claim younger than this is live (its message may be with a carrier any moment). */
  readonly claimLeaseMs: number;
  onCreated?(batch: NewBatch, accepted: number): void;
}

export function batchRouter(deps: ApiDeps, batches: BatchApiDeps): Router {
  const router = Router();

  router.post('/batches', async (req, res) => {
    const app = currentApp(req);
    // Idempotency-Key as on POST /messages (idempotency.ts): stored with the batch, in its transaction.
    const idempotencyKey = deps.billing ? idempotencyKeyOf(req) : undefined;
    const hash = idempotencyKey !== undefined ? bodyHash({ query: req.query, body: req.body }) : '';
    if (idempotencyKey !== undefined) {
      const stored = await deps.billing!.idempotency.find(app.id, idempotencyKey);
      if (stored) return replay(res, stored, hash);
    }
    let fields;
    let recipients: BatchRecipientInput[];
    if (typeof req.is('text/csv') === 'string') {
      fields = parse(batchCsvQuery, req.query);
      recipients = recipientsFromCsv(typeof req.body === 'string' ? req.body : '');
    } else {
      const body = parse(batchBody, req.body);
      fields = body;
      recipients = body.recipients ?? (body.to ?? []).map((to) => ({ to, params: body.params }));
    }
    const now = deps.now();
    const scheduleAt = resolveScheduleAt(fields.scheduleAt, now);
    let templateBody: string | undefined;
    let templateId: string | null = null;
    if (fields.template !== undefined) {
      const template = await policyOf(deps).templateCache.find(app.id, fields.template);
      if (!template) throw new GatewayError('INVALID_REQUEST', `no template "${fields.template}" for this app`, { template: fields.template });
      if (template.status !== 'approved') {
        throw new GatewayError('CONFLICT', `template "${template.name}" is ${template.status}; only approved templates can be used`, { template: template.id, status: template.status });
      }
      templateBody = template.body;
      templateId = template.id;
    }
    const rates = await deps.billing?.rates(app.accountId);
    const plan = planBatch(
      recipients,
      { text: fields.text, templateBody, from: fields.from ?? null },
      { app, routing: deps.routing.table(), now, ...(rates && rates.size > 0 ? { partPrice: (n: string) => rates.partPrice(n) } : {}) },
    );
    if (plan.accepted.length === 0) throw new GatewayError('INVALID_REQUEST', 'no recipient of the batch can be sent to', { refused: plan.refused });
    const batch: NewBatch = {
      id: newMessageId(now.getTime()),
      accountId: app.accountId,
      appId: app.id,
      text: templateId === null ? (fields.text ?? '') : null,
      templateId,
      from: fields.from ?? null,
      priority: fields.priority ?? 'normal',
      callbackUrl: fields.callbackUrl ?? app.callbackUrl,
      validitySeconds: fields.validity ?? deps.defaultValiditySeconds,
      scheduleAt,
    };
    const response = {
      batchId: batch.id,
      accepted: plan.accepted.length,
      refused: plan.refused,
      price: plan.totalPrice,
      scheduleAt: scheduleAt?.toISOString() ?? null,
    };
    const claim = idempotencyKey !== undefined ? { appId: app.id, key: idempotencyKey, bodyHash: hash, statusCode: 202, response } : undefined;
    if ((await batches.create(batch, plan, claim)) === 'duplicate') {
      // A concurrent request with the same key won; its response is durable now.
      const stored = await deps.billing!.idempotency.find(app.id, idempotencyKey!);
      if (!stored) throw new GatewayError('CONFLICT', 'a request with this Idempotency-Key is in progress; retry it');
      return replay(res, stored, hash);
    }
    batches.onCreated?.(batch, plan.accepted.length);
    res.status(202).json(response);
  });

  router.get('/batches', async (req, res) => {
    const query = parse(batchListQuery, req.query);
    const page = await batches.store.list(scopeOfCaller(req), query);
    res.json({ items: page.items.map(batchSummary), nextCursor: page.nextCursor });
  });

  router.get('/batches/:id', async (req, res) => {
    const batch = await findBatch(req, batches);
    res.json(progressView(batch, await batches.store.counts(batch.id), deps.now()));
  });

  router.get('/batches/:id/messages', async (req, res) => {
    const batch = await findBatch(req, batches);
    const query = parse(batchMessagesQuery, req.query);
    const page = await deps.messages.list(
      { accountId: batch.accountId },
      { batchId: batch.id, limit: query.limit, ...(query.status ? { status: query.status } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) },
    );
    res.json({ items: page.items.map((m) => messageView(m, deps)), nextCursor: page.nextCursor });
  });

  router.post('/batches/:id/cancel', async (req, res) => {
    const id = req.params.id ?? '';
    const done = isMessageId(id) ? await batches.store.cancelBatch(scopeOfCaller(req), id, batches.claimLeaseMs) : undefined;
    if (!done) throw new GatewayError('NOT_FOUND', 'no such batch');
    await batches.onFinalized(done.finalized);
    const refunded = done.finalized.reduce((sum, f) => sum + f.refunded, 0);
    res.json({ cancelled: done.finalized.length, refunded, batch: progressView(done.batch, await batches.store.counts(id), deps.now()) });
  });

  router.post('/messages/:id/cancel', async (req, res) => {
    const id = req.params.id ?? '';
    if (!isMessageId(id)) throw new GatewayError('NOT_FOUND', 'no such message');
    const result = await batches.store.cancelMessage(scopeOfCaller(req), id, batches.claimLeaseMs);
    if (result.outcome === 'not-found') throw new GatewayError('NOT_FOUND', 'no such message');
    if (result.outcome === 'conflict') {
      throw new GatewayError('CONFLICT', `the message is ${result.status}: a carrier has it or it is final`, { status: result.status });
    }
    await batches.onFinalized([result.finalized]);
    res.json({ id, status: 'rejected', errorCode: 'CANCELLED', refunded: result.finalized.refunded });
  });

  return router;
}

/** An app sees its own batches; a customer its account's; an operator any. */
function scopeOfCaller(req: Request): BatchScope {
  if (req.callerApp) return { accountId: req.callerApp.accountId, appId: req.callerApp.id };
  return scopeOf(req) ?? {};
}

async function findBatch(req: Request, batches: BatchApiDeps): Promise<BatchRecord> {
  const id = String(req.params.id ?? '');
  const batch = isMessageId(id) ? await batches.store.get(scopeOfCaller(req), id) : undefined;
  if (!batch) throw new GatewayError('NOT_FOUND', 'no such batch');
  return batch;
}

function batchSummary(b: BatchRecord) {
  return {
    id: b.id,
    appId: b.appId,
    total: b.total,
    created: b.created,
    priority: b.priority,
    templateId: b.templateId,
    scheduleAt: b.scheduleAt?.toISOString() ?? null,
    createdAt: b.createdAt.toISOString(),
    cancelledAt: b.cancelledAt?.toISOString() ?? null,
  };
}

type BatchState = 'scheduled' | 'expanding' | 'sending' | 'completed' | 'cancelled';

function progressView(b: BatchRecord, c: BatchCounts, now: Date) {
  const n = (status: string) => c.statuses[status] ?? 0;
  const created = Object.values(c.statuses).reduce((sum, v) => sum + v, 0);
  let state: BatchState;
  if (b.cancelledAt) state = 'cancelled';
  else if (b.created < b.total) state = 'expanding';
  else if (c.open === 0) state = 'completed';
  else if (b.scheduleAt && b.scheduleAt.getTime() > now.getTime()) state = 'scheduled';
  else state = 'sending';
  return {
    id: b.id,
    state,
    total: b.total,
    created,
    accepted: n('accepted'),
    held: n('held'),
    queued: n('queued'),
    submitted: n('submitted'),
    delivered: n('delivered'),
    undelivered: n('undelivered'),
    expired: n('expired'),
    failed: n('failed'),
    rejected: n('rejected'),
    cancelled: c.cancelled,
    refunded: c.refunded,
    charged: c.charged,
    refundedAmount: c.refundedAmount,
    cost: c.charged - c.refundedAmount,
    scheduleAt: b.scheduleAt?.toISOString() ?? null,
    createdAt: b.createdAt.toISOString(),
    cancelledAt: b.cancelledAt?.toISOString() ?? null,
  };
}
