/** Application API (HTTP Basic appId:secret): submit, get, list, balance. */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import { isMessageId } from '../core/id';
import { normalizeNumber } from '../core/number';
import { prepareSubmission } from '../pipeline/prepare-submission';
import type { MessageRecord } from '../pipeline/types';
import { currentApp } from './auth';
import type { ApiDeps } from './deps';
import { listQuery, submitBody } from './schemas';
import { parse } from './validate';

export function messageRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/messages', async (req, res) => {
    const started = process.hrtime.bigint();
    const app = currentApp(req);
    const body = parse(submitBody, req.body);
    const to = Array.isArray(body.to) ? body.to : [body.to];
    const messages = prepareSubmission(
      {
        to,
        from: body.from ?? null,
        text: body.text,
        priority: body.priority,
        reference: body.reference ?? null,
        callbackUrl: body.callbackUrl ?? null,
        validitySeconds: body.validity ?? null,
      },
      { app, channel: 'http', routing: deps.routing.table(), now: deps.now(), defaultValiditySeconds: deps.defaultValiditySeconds },
    );
    const verdict = deps.throttle.take(app.id, app.throughputPerSecond, messages.length);
    if (!verdict.allowed) {
      throw new GatewayError('THROTTLED', `over ${app.throughputPerSecond} messages per second`, { limit: app.throughputPerSecond }, verdict.retryAfterSeconds);
    }
    await deps.acceptor.accept(messages);
    res.status(202).json({
      messages: messages.map((m) => ({ id: m.id, to: m.to, parts: m.parts, encoding: m.encoding, price: m.price, status: 'accepted' })),
    });
    deps.metricsAccepted(messages.length, Number(process.hrtime.bigint() - started) / 1e9);
  });

  router.get('/messages/:id', async (req, res) => {
    const app = currentApp(req);
    const id = req.params.id ?? '';
    const found = isMessageId(id) ? await deps.messages.get(app.id, id) : undefined;
    if (!found) throw new GatewayError('NOT_FOUND', 'no such message');
    res.json({
      ...messageView(found.message, deps),
      events: found.events.map((e) => ({ status: e.status, at: e.at.toISOString(), detail: e.detail })),
    });
  });

  router.get('/messages', async (req, res) => {
    const app = currentApp(req);
    const query = parse(listQuery, req.query);
    let to: string | undefined;
    if (query.to !== undefined) {
      to = normalizeNumber(query.to) ?? undefined;
      if (to === undefined) throw new GatewayError('INVALID_NUMBER', 'to must be a valid E.164 number', { invalid: [query.to] });
    }
    const page = await deps.messages.list(app.id, { status: query.status, to, cursor: query.cursor, limit: query.limit });
    res.json({ items: page.items.map((m) => messageView(m, deps)), nextCursor: page.nextCursor });
  });

  router.get('/balance', async (req, res) => {
    const app = currentApp(req);
    const balances = await deps.balances.balances([app.accountId]);
    res.json({ balance: balances.get(app.accountId) ?? 0 });
  });

  return router;
}

function messageView(m: MessageRecord, deps: ApiDeps) {
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
  };
}
