/**
 * Money per account and app:
 * - GET /accounts/:id/ledger?cursor=&limit= (operator): the ledger newest first, with the balance;
 * - GET /accounts/:id/rates, PUT /accounts/:id/rates [{prefix, price}] (operator): the account's
 *   price-per-part overrides (the longest matching prefix wins over the route's price);
 * - PATCH /accounts/:id {creditLimit?, dispatchRatePerSecond?} (operator): postpaid room below zero,
 *   and the account's dispatch rate cap (messages per second to carriers; null removes it);
 * - GET /billing?cursor=&limit= (app): the calling app's charges and refunds.
 */
import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../core/errors';
import { currentActor, currentApp } from './auth';
import type { ApiDeps } from './deps';
import { pathParam, type BillingApiDeps, type RouteGuards } from './billing-deps';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const minor = z.number().int('must be an integer number of minor units').min(0).max(Number.MAX_SAFE_INTEGER);

export const ratesBody = z
  .array(z.object({ prefix: z.string().regex(/^[0-9]{0,15}$/, 'must be 0-15 digits ("" matches every number)'), price: minor }).strict())
  .max(10_000)
  .superRefine((rates, ctx) => {
    const seen = new Set<string>();
    rates.forEach((r, i) => {
      if (seen.has(r.prefix)) ctx.addIssue({ code: 'custom', path: [i, 'prefix'], message: `duplicate prefix "${r.prefix}"` });
      seen.add(r.prefix);
    });
  });

export const patchAccountBody = z
  .object({
    creditLimit: minor.optional(),
    dispatchRatePerSecond: z.number().int('must be a whole number of messages per second').min(1).max(1_000_000).nullable().optional(),
  })
  .strict()
  .refine((b) => b.creditLimit !== undefined || b.dispatchRatePerSecond !== undefined, { message: 'give creditLimit and/or dispatchRatePerSecond' });

export const ledgerQuery = z.object({
  cursor: z.string().regex(/^\d{1,18}$/).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const billingQuery = z.object({
  cursor: z.string().regex(/^[0-9a-f-]{36}\.\d{1,18}$/i).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

function accountId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such account');
  return raw;
}

export function ledgerRouter(api: ApiDeps, billing: BillingApiDeps, guard: RouteGuards): Router {
  const router = Router();

  router.get('/accounts/:id/ledger', guard.operator, async (req, res) => {
    const q = parse(ledgerQuery, req.query);
    const page = await billing.store.ledger(accountId(pathParam(req.params, 'id')), { limit: q.limit, ...(q.cursor ? { cursor: Number(q.cursor) } : {}) });
    if (!page) throw new GatewayError('NOT_FOUND', 'no such account');
    res.json({
      balance: page.balance,
      creditLimit: page.creditLimit,
      items: page.items.map((r) => ({ id: String(r.id), kind: r.kind, amount: r.amount, messageId: r.messageId, reference: r.reference, at: r.at.toISOString() })),
      nextCursor: page.nextCursor,
    });
  });

  router.get('/accounts/:id/rates', guard.operator, async (req, res) => {
    const id = accountId(pathParam(req.params, 'id'));
    if (!(await api.accounts.get(id))) throw new GatewayError('NOT_FOUND', 'no such account');
    res.json({ items: await billing.store.rates(id) });
  });

  router.put('/accounts/:id/rates', guard.operator, guard.json, async (req, res) => {
    const id = accountId(pathParam(req.params, 'id'));
    const rates = parse(ratesBody, req.body);
    const saved = await billing.store.replaceRates(id, rates, currentActor(req));
    if (!saved) throw new GatewayError('NOT_FOUND', 'no such account');
    billing.invalidateAccount(id);
    res.json({ items: saved });
  });

  router.patch('/accounts/:id', guard.operator, guard.json, async (req, res) => {
    const id = accountId(pathParam(req.params, 'id'));
    const body = parse(patchAccountBody, req.body);
    const changes = {
      ...(body.creditLimit !== undefined ? { creditLimit: body.creditLimit } : {}),
      ...(body.dispatchRatePerSecond !== undefined ? { dispatchRatePerSecond: body.dispatchRatePerSecond } : {}),
    };
    const updated = await billing.store.updateAccountTerms(id, changes, currentActor(req));
    if (!updated) throw new GatewayError('NOT_FOUND', 'no such account');
    billing.invalidateAccount(id);
    const account = await api.accounts.get(id);
    res.json({ id, name: account?.name, balance: updated.balance, creditLimit: updated.creditLimit, dispatchRatePerSecond: updated.dispatchRatePerSecond });
  });

  router.get('/billing', guard.application, async (req, res) => {
    const app = currentApp(req);
    const q = parse(billingQuery, req.query);
    const cursor = q.cursor ? { messageId: q.cursor.split('.')[0]!, ledgerId: Number(q.cursor.split('.')[1]) } : undefined;
    const page = await billing.store.billingLog(app.id, { limit: q.limit, ...(cursor ? { cursor } : {}) });
    res.json({
      items: page.items.map((r) => ({
        kind: r.kind,
        amount: r.amount,
        messageId: r.messageId,
        to: r.to,
        parts: r.parts,
        status: r.status,
        at: r.at.toISOString(),
      })),
      nextCursor: page.nextCursor,
    });
  });

  return router;
}
