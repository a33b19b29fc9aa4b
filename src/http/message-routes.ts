/**
 * Application API (HTTP Basic appId:secret): submit, get, list, balance; customer users read their
 * account's messages and balance; operators (admin) search every account's messages (by account, app,
 * number, status and time) and see parts' carrier costs.
 */
import { Router, type Request } from 'express';
import { GatewayError } from '../core/errors';
import { isMessageId } from '../core/id';
import { normalizeNumber } from '../core/number';
import { resolveScheduleAt } from '../campaigns/schedule';
import { prepareSubmission } from '../pipeline/prepare-submission';
import type { MessageScope } from '../db/message-queries';
import type { MessageRecord } from '../pipeline/types';
import { currentApp } from './auth';
import { bodyHash, idempotencyKeyOf, replay } from './idempotency';
import { scopeOf } from './authorize';
import type { ApiDeps } from './deps';
import { listQuery, submitBody } from './schemas';
import { submissionContent, takeTemplateRate, withTemplate } from './template-submission';
import { parse } from './validate';

export function messageRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/messages', async (req, res) => {
    const started = process.hrtime.bigint();
    const app = currentApp(req);
    const body = parse(submitBody, req.body);
    // Idempotency-Key (idempotency.ts): the stored response of the same body is answered again; another body is a 409.
    const idempotencyKey = deps.billing ? idempotencyKeyOf(req) : undefined;
    const hash = idempotencyKey !== undefined ? bodyHash(req.body) : '';
    if (idempotencyKey !== undefined) {
      const stored = await deps.billing!.idempotency.find(app.id, idempotencyKey);
      if (stored) return replay(res, stored, hash);
    }
    // The account's rate overrides (cached) win over the route's price per part.
    const rates = await deps.billing?.rates(app.accountId);
    const to = Array.isArray(body.to) ? body.to : [body.to];
    const content = await submissionContent(deps, app.id, body);
    const now = deps.now();
    const prepared = prepareSubmission(
      {
        to,
        from: body.from ?? null,
        text: content.text,
        priority: body.priority,
        reference: body.reference ?? null,
        callbackUrl: body.callbackUrl ?? null,
        validitySeconds: body.validity ?? null,
        scheduleAt: resolveScheduleAt(body.scheduleAt, now),
      },
      {
        app,
        channel: 'http',
        routing: deps.routing.table(),
        now,
        defaultValiditySeconds: deps.defaultValiditySeconds,
        ...(rates && rates.size > 0 ? { partPrice: (number: string) => rates.partPrice(number) } : {}),
      },
    );
    const messages = withTemplate(prepared, content.template);
    const verdict = deps.throttle.take(app.id, app.throughputPerSecond, messages.length);
    if (!verdict.allowed) {
      throw new GatewayError('THROTTLED', `over ${app.throughputPerSecond} messages per second`, { limit: app.throughputPerSecond }, verdict.retryAfterSeconds);
    }
    // A template's rate policy per destination number (429 when over); undone when accept refuses.
    const releaseTemplateRate = await takeTemplateRate(deps, content.template, messages);
    const response = {
      messages: messages.map((m) => ({
        id: m.id, to: m.to, parts: m.parts, encoding: m.encoding, price: m.price, status: 'accepted',
        // Present when the message waits for its time (docs/campaigns.md).
        ...(m.scheduleAt ? { scheduleAt: m.scheduleAt.toISOString() } : {}),
      })),
    };
    const outcome = await (idempotencyKey !== undefined
      ? deps.acceptor.acceptIdempotent(messages, { appId: app.id, key: idempotencyKey, bodyHash: hash, statusCode: 202, response })
      : deps.acceptor.accept(messages).then(() => 'accepted' as const)
    ).catch(async (error: unknown) => {
      await releaseTemplateRate();
      throw error;
    });
    if (outcome === 'duplicate') {
      // A concurrent request with the same key won; its response is durable now.
      await releaseTemplateRate();
      const stored = await deps.billing!.idempotency.find(app.id, idempotencyKey!);
      if (!stored) throw new GatewayError('CONFLICT', 'a request with this Idempotency-Key is in progress; retry it');
      return replay(res, stored, hash);
    }
    res.status(202).json(response);
    deps.metricsAccepted(messages.length, Number(process.hrtime.bigint() - started) / 1e9);
  });

  router.get('/messages/:id', async (req, res) => {
    const scope = readScope(req);
    const id = req.params.id ?? '';
    const found = isMessageId(id) ? await deps.messages.get(scope, id) : undefined;
    if (!found) throw new GatewayError('NOT_FOUND', 'no such message');
    // The carrier's cost of a part is the operator's business, never a customer's or an app's.
    const staff = isStaff(req);
    res.json({
      ...messageView(found.message, deps),
      events: found.events.map((e) => ({ status: e.status, at: e.at.toISOString(), detail: e.detail })),
      partDetails: found.parts.map((p) => ({
        index: p.index,
        carrier: deps.routing.carrier(p.carrierId)?.name ?? null,
        carrierMessageId: p.carrierMessageId,
        status: p.status,
        delivered: p.status === 'delivered',
        submittedAt: p.submittedAt.toISOString(),
        doneAt: p.doneAt?.toISOString() ?? null,
        errorCode: p.errorCode,
        ...(staff ? { cost: p.cost } : {}),
      })),
    });
  });

  router.get('/messages', async (req, res) => {
    const query = parse(listQuery, req.query);
    let to: string | undefined;
    if (query.to !== undefined) {
      to = normalizeNumber(query.to) ?? undefined;
      if (to === undefined) throw new GatewayError('INVALID_NUMBER', 'to must be a valid E.164 number', { invalid: [query.to] });
    }
    const since = query.since !== undefined ? new Date(query.since) : undefined;
    const until = query.until !== undefined ? new Date(query.until) : undefined;
    if (since && until && since.getTime() >= until.getTime()) throw new GatewayError('INVALID_REQUEST', 'since must be before until', { since: query.since, until: query.until });
    const scope = await listScope(req, query.appId, query.accountId, deps);
    const page = await deps.messages.list(scope, { status: query.status, to, since, until, cursor: query.cursor, limit: query.limit });
    res.json({ items: page.items.map((m) => messageView(m, deps)), nextCursor: page.nextCursor });
  });

  router.get('/balance', async (req, res) => {
    const { accountId } = readScope(req);
    if (accountId === undefined) throw new GatewayError('FORBIDDEN', 'the balance is read by an app or its account\'s customer');
    const balances = await deps.balances.balances([accountId]);
    res.json({ balance: balances.get(accountId) ?? 0 });
  });

  return router;
}

/** Operators (admin) read every account's messages; finance and reviewers are kept out by the route table. */
function isStaff(req: Request): boolean {
  return !req.callerApp && scopeOf(req) === undefined;
}

/** An app reads its own messages; a customer user those of every app of its account; an operator any. */
function readScope(req: Request): MessageScope {
  if (req.callerApp) return { accountId: req.callerApp.accountId, appId: req.callerApp.id };
  return scopeOf(req) ?? {};
}

/**
 * The list's scope with the query's appId and accountId narrowing it. An app
 * or account outside the caller's own is a 404 (its existence is not confirmed).
 */
async function listScope(req: Request, appId: string | undefined, accountId: string | undefined, deps: ApiDeps): Promise<MessageScope> {
  const own = readScope(req);
  if (own.accountId !== undefined) {
    if (accountId !== undefined && accountId !== own.accountId) throw new GatewayError('NOT_FOUND', 'no such account');
    if (appId === undefined || appId === own.appId) return own;
    if (own.appId !== undefined || (await deps.identity.appAccount(appId)) !== own.accountId) throw new GatewayError('NOT_FOUND', 'no such app');
    return { accountId: own.accountId, appId };
  }
  return { ...(accountId !== undefined ? { accountId } : {}), ...(appId !== undefined ? { appId } : {}) };
}

/** A message as GET /messages and GET /batches/:id/messages list it. */
export function messageView(m: MessageRecord, deps: ApiDeps) {
  return {
    id: m.id,
    to: m.to,
    from: m.from,
    text: m.text,
    status: m.status,
    parts: m.parts,
    encoding: m.encoding,
    price: m.price,
    priority: m.priority,
    reference: m.reference,
    carrier: m.carrierId ? (deps.routing.carrier(m.carrierId)?.name ?? null) : null,
    carrierMessageId: m.carrierMessageId,
    errorCode: m.errorCode,
    createdAt: m.createdAt.toISOString(),
    scheduleAt: m.scheduleAt?.toISOString() ?? null,
    batchId: m.batchId ?? null,
  };
}
