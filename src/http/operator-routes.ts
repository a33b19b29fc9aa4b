/** Operator API (Bearer ADMIN_TOKEN): accounts, credit, apps. Carriers and routes: carrier-routes.ts; dead letters: dlq-routes.ts. */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import { parseSender } from '../core/number';
import { currentActor } from './auth';
import type { ApiDeps } from './deps';
import { createAccountBody, createAppBody, creditBody } from './schemas';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function accountId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such account');
  return raw;
}

export function operatorRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/accounts', async (req, res) => {
    const body = parse(createAccountBody, req.body);
    const account = await deps.accounts.create(body.name);
    res.status(201).json({ id: account.id, name: account.name, balance: account.balance });
  });

  router.get('/accounts/:id', async (req, res) => {
    const account = await deps.accounts.get(accountId(req.params.id));
    if (!account) throw new GatewayError('NOT_FOUND', 'no such account');
    res.json({
      id: account.id,
      name: account.name,
      balance: account.balance,
      creditLimit: account.creditLimit ?? 0,
      dispatchRatePerSecond: account.dispatchRatePerSecond ?? null,
      createdAt: account.createdAt.toISOString(),
    });
  });

  router.post('/accounts/:id/credit', async (req, res) => {
    const body = parse(creditBody, req.body);
    const balance = await deps.accounts.credit(accountId(req.params.id), body.amount, body.reference ?? null, currentActor(req));
    if (balance === undefined) throw new GatewayError('NOT_FOUND', 'no such account');
    // Accept's cached balance (billing-cache.ts) sees the credit at once in this process.
    deps.billing?.invalidateAccount(accountId(req.params.id));
    res.json({ balance });
  });

  router.post('/accounts/:id/apps', async (req, res) => {
    const id = accountId(req.params.id);
    const body = parse(createAppBody, req.body);
    const badSender = body.senders?.find((s) => parseSender(s) === null);
    if (badSender !== undefined) throw new GatewayError('INVALID_SENDER', `sender "${badSender}" is not a valid sender id`);
    if (!(await deps.accounts.get(id))) throw new GatewayError('NOT_FOUND', 'no such account');
    const created = await deps.apps.create({ accountId: id, ...body }, currentActor(req));
    res.status(201).json({
      appId: created.app.id,
      secret: created.secret,
      smppSystemId: created.smppSystemId,
      smppPassword: created.smppPassword,
      name: created.app.name,
      throughputPerSecond: created.app.throughputPerSecond,
      callbackUrl: created.app.callbackUrl,
      moUrl: created.app.moUrl,
      senders: created.app.senders,
      monthlyQuota: created.app.monthlyQuota ?? null,
    });
  });

  return router;
}
