/** Operator API (Bearer ADMIN_TOKEN): accounts, credit, apps, carriers, routes. */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import { normalizeNumber, parseSender } from '../core/number';
import { CarrierNameTakenError, UnknownCarrierError } from '../db/routing-store';
import type { CarrierConfig } from '../carriers/types';
import type { ApiDeps } from './deps';
import { createAccountBody, createAppBody, createCarrierBody, creditBody, routesBody } from './schemas';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function accountId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such account');
  return raw;
}

/** Never shows the carrier's password. */
function publicCarrier(c: CarrierConfig) {
  return {
    id: c.id,
    name: c.name,
    host: c.host,
    port: c.port,
    systemId: c.systemId,
    systemType: c.systemType,
    binds: c.binds,
    window: c.window,
    maxTps: c.maxTps,
    enabled: c.enabled,
  };
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
    res.json({ id: account.id, name: account.name, balance: account.balance, createdAt: account.createdAt.toISOString() });
  });

  router.post('/accounts/:id/credit', async (req, res) => {
    const body = parse(creditBody, req.body);
    const balance = await deps.accounts.credit(accountId(req.params.id), body.amount, body.reference ?? null);
    if (balance === undefined) throw new GatewayError('NOT_FOUND', 'no such account');
    res.json({ balance });
  });

  router.post('/accounts/:id/apps', async (req, res) => {
    const id = accountId(req.params.id);
    const body = parse(createAppBody, req.body);
    const badSender = body.senders?.find((s) => parseSender(s) === null);
    if (badSender !== undefined) throw new GatewayError('INVALID_SENDER', `sender "${badSender}" is not a valid sender id`);
    if (!(await deps.accounts.get(id))) throw new GatewayError('NOT_FOUND', 'no such account');
    const created = await deps.apps.create({ accountId: id, ...body });
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
    });
  });

  router.post('/carriers', async (req, res) => {
    const body = parse(createCarrierBody, req.body);
    try {
      const carrier = await deps.routingStore.saveCarrier(body);
      await deps.routing.refresh(true);
      res.status(201).json(publicCarrier(carrier));
    } catch (error) {
      if (error instanceof CarrierNameTakenError) throw new GatewayError('CONFLICT', error.message);
      throw error;
    }
  });

  router.get('/carriers', async (_req, res) => {
    const states = await deps.carrierStates();
    const items = deps.routing.carriers().map((c) => {
      const state = states.get(c.id);
      return {
        ...publicCarrier(c),
        boundSessions: state?.boundSessions ?? 0,
        inFlight: state?.inFlight ?? 0,
        breaker: state?.breaker ?? 'closed',
      };
    });
    res.json({ items, nextCursor: null });
  });

  router.put('/routes', async (req, res) => {
    const body = parse(routesBody, req.body);
    try {
      await deps.routingStore.replaceRoutes(body);
    } catch (error) {
      if (error instanceof UnknownCarrierError) throw new GatewayError('INVALID_REQUEST', error.message, { unknownCarriers: error.names });
      throw error;
    }
    await deps.routing.refresh(true);
    res.json({ items: routeView(deps), nextCursor: null });
  });

  router.get('/routes', async (_req, res) => {
    await deps.routing.refresh();
    res.json({ items: routeView(deps), nextCursor: null });
  });

  router.get('/routes/resolve', async (req, res) => {
    const raw = typeof req.query.to === 'string' ? req.query.to : '';
    const to = normalizeNumber(raw);
    if (to === null) throw new GatewayError('INVALID_NUMBER', 'to must be a valid E.164 number', { invalid: [raw] });
    const route = deps.routing.table().resolve(to);
    if (!route) throw new GatewayError('NOT_FOUND', 'no route covers this number');
    res.json({ to, prefix: route.prefix, carriers: carrierNames(deps, route.carrierIds), price: route.price });
  });

  return router;
}

function carrierNames(deps: ApiDeps, ids: readonly string[]): string[] {
  return ids.map((id) => deps.routing.carrier(id)?.name ?? id);
}

function routeView(deps: ApiDeps) {
  return deps.routing
    .table()
    .routes()
    .map((r) => ({ prefix: r.prefix, carriers: carrierNames(deps, r.carrierIds), price: r.price }));
}
