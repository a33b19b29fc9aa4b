/**
 * Apps' numbers, limits and settings (admins, and customers for their own apps):
 * - POST /apps/:appId/numbers {number, keyword?} -> 201; 409 when that number (with that keyword) is taken;
 * - GET /apps/:appId/numbers; DELETE /apps/:appId/numbers/:numberId;
 * - PATCH /apps/:appId {throughputPerSecond?, callbackUrl?, moUrl?, senders?, monthlyQuota?} -> the app's
 *   settings, its quota and this month's use (audited; customers may only lower limits);
 * - GET /apps/:appId/quota -> {monthlyQuota, used, month}.
 * Numbers are digits (3-15: short codes and E.164 without '+'); a keyword is
 * one word (letters and digits), matched case-insensitively against an MO's first word.
 */
import { Router } from 'express';
import { z } from 'zod';
import { monthKey } from '../billing/monthly-quota';
import { GatewayError } from '../core/errors';
import { parseSender } from '../core/number';
import { currentActor } from './auth';
import { scopeOf } from './authorize';
import type { ApiDeps } from './deps';
import { pathParam, type BillingApiDeps, type RouteGuards } from './billing-deps';
import { createAppBody } from './schemas';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const addNumberBody = z
  .object({
    number: z
      .string()
      .transform((s) => s.replace(/[\s\-+]/g, ''))
      .pipe(z.string().regex(/^[0-9]{3,15}$/, 'must be 3-15 digits (a short code or an E.164 number)')),
    keyword: z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/, 'must be one word of letters and digits (at most 32)')
      .transform((k) => k.toUpperCase())
      .optional(),
  })
  .strict();

/** PATCH /apps/:appId: any of an app's settings; null clears a URL or the quota. */
export const patchAppBody = createAppBody
  .omit({ name: true })
  .extend({ callbackUrl: createAppBody.shape.callbackUrl.unwrap().nullable().optional(), moUrl: createAppBody.shape.moUrl.unwrap().nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one setting to change');

function appId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such app');
  return raw;
}

export function numberRouter(api: ApiDeps, billing: BillingApiDeps, guard: RouteGuards, now: () => Date): Router {
  const router = Router();

  router.post('/apps/:appId/numbers', guard.operator, guard.json, async (req, res) => {
    const id = appId(pathParam(req.params, 'appId'));
    const body = parse(addNumberBody, req.body);
    const result = await billing.numbers.add(id, body.number, body.keyword ?? null, currentActor(req));
    if (result.kind === 'no-app') throw new GatewayError('NOT_FOUND', 'no such app');
    if (result.kind === 'taken') {
      throw new GatewayError('CONFLICT', body.keyword ? `${body.number} with keyword ${body.keyword} is taken` : `${body.number} is taken`, {
        number: body.number,
        keyword: body.keyword ?? null,
        sameApp: result.appId === id,
      });
    }
    res.status(201).json(view(result.number));
  });

  router.get('/apps/:appId/numbers', guard.operator, async (req, res) => {
    const id = appId(pathParam(req.params, 'appId'));
    res.json({ items: (await billing.numbers.list(id)).map(view), nextCursor: null });
  });

  router.delete('/apps/:appId/numbers/:numberId', guard.operator, async (req, res) => {
    const id = appId(pathParam(req.params, 'appId'));
    const numberId = pathParam(req.params, 'numberId') ?? '';
    if (!UUID.test(numberId) || !(await billing.numbers.remove(id, numberId, currentActor(req)))) {
      throw new GatewayError('NOT_FOUND', 'no such number on this app');
    }
    res.status(204).end();
  });

  router.patch('/apps/:appId', guard.operator, guard.json, async (req, res) => {
    const id = appId(pathParam(req.params, 'appId'));
    const body = parse(patchAppBody, req.body);
    const badSender = body.senders?.find((s) => parseSender(s) === null);
    if (badSender !== undefined) throw new GatewayError('INVALID_SENDER', `sender "${badSender}" is not a valid sender id`);
    // Customers may lower their limits (throughput, quota) and change URLs and senders; only admins raise limits.
    const lowerLimitsOnly = scopeOf(req) !== undefined;
    const outcome = await api.apps.updateSettings(id, body, currentActor(req), { lowerLimitsOnly });
    if (outcome.kind === 'no-app') throw new GatewayError('NOT_FOUND', 'no such app');
    if (outcome.kind === 'limit-raise') {
      throw new GatewayError('FORBIDDEN', `only an operator may raise ${outcome.field} (now ${outcome.current ?? 'unlimited'})`, { field: outcome.field, current: outcome.current });
    }
    // This process sees the change at once; other processes within their cache lifetimes (README "Apps").
    billing.invalidateApp(id);
    api.authenticator.invalidate(id);
    const at = now();
    const app = outcome.app;
    res.json({
      appId: id,
      name: app.name,
      throughputPerSecond: app.throughputPerSecond,
      callbackUrl: app.callbackUrl,
      moUrl: app.moUrl,
      senders: app.senders,
      monthlyQuota: app.monthlyQuota ?? null,
      month: monthKey(at),
      used: await billing.quotaUsed(id, at),
    });
  });

  router.get('/apps/:appId/quota', guard.operator, async (req, res) => {
    const id = appId(pathParam(req.params, 'appId'));
    const quotas = await billing.store.appQuotas([id]);
    if (!quotas.has(id)) throw new GatewayError('NOT_FOUND', 'no such app');
    const at = now();
    res.json({ appId: id, monthlyQuota: quotas.get(id) ?? null, month: monthKey(at), used: await billing.quotaUsed(id, at) });
  });

  return router;
}

function view(n: { id: string; appId: string; number: string; keyword: string | null; createdAt: Date }) {
  return { id: n.id, appId: n.appId, number: n.number, keyword: n.keyword, createdAt: n.createdAt.toISOString() };
}
