/**
 * Operator API for carriers and the routing table (Bearer ADMIN_TOKEN).
 * Every change is stored with a bump of the routing version; this process
 * reloads at once, every other one within its LiveRouting poll (500 ms),
 * and the carrier pools follow (binds opened, re-bound or closed).
 */
import { Router } from 'express';
import type { CarrierConfig } from '../carriers/types';
import { GatewayError } from '../core/errors';
import { normalizeNumber } from '../core/number';
import { CarrierInUseError, CarrierNameTakenError, UnknownCarrierError } from '../db/routing-store';
import type { ResolvedRoute } from '../routing/routing-table';
import { currentActor } from './auth';
import type { ApiDeps } from './deps';
import { createCarrierBody, patchCarrierBody, routesBody } from './schemas';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function carrierId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', 'no such carrier');
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
    bindMode: c.bindMode ?? 'transceiver',
    concat: c.concat ?? 'udh8',
    cost: c.cost ?? 0,
    enabled: c.enabled,
  };
}

function conflictOf(error: unknown): never {
  if (error instanceof CarrierNameTakenError) throw new GatewayError('CONFLICT', error.message);
  if (error instanceof CarrierInUseError) throw new GatewayError('CONFLICT', error.message, { routes: error.prefixes });
  throw error;
}

export function carrierRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/carriers', async (req, res) => {
    const body = parse(createCarrierBody, req.body);
    const carrier = await deps.routingStore.saveCarrier(body, false, currentActor(req)).catch(conflictOf);
    await deps.routing.refresh(true);
    res.status(201).json(publicCarrier(carrier));
  });

  router.get('/carriers', async (_req, res) => {
    const states = await deps.carrierStates();
    // Operator pauses (issue 8, queue-routes.ts): nothing is sent to a paused carrier.
    const paused = new Set(((await deps.queueControl?.pausedCarriers().catch(() => [])) ?? []).map((p) => p.carrierId));
    const items = deps.routing
      .carriers()
      .filter((c) => !c.deleted)
      .map((c) => {
        const state = states.get(c.id);
        return {
          ...publicCarrier(c),
          boundSessions: state?.boundSessions ?? 0,
          inFlight: state?.inFlight ?? 0,
          breaker: state?.breaker ?? 'closed',
          paused: paused.has(c.id),
        };
      });
    res.json({ items, nextCursor: null });
  });

  router.patch('/carriers/:id', async (req, res) => {
    const id = carrierId(req.params.id);
    const body = parse(patchCarrierBody, req.body);
    const carrier = await deps.routingStore.updateCarrier(id, body, currentActor(req)).catch(conflictOf);
    if (!carrier) throw new GatewayError('NOT_FOUND', 'no such carrier');
    await deps.routing.refresh(true);
    res.json(publicCarrier(carrier));
  });

  router.delete('/carriers/:id', async (req, res) => {
    const id = carrierId(req.params.id);
    const deleted = await deps.routingStore.deleteCarrier(id, currentActor(req)).catch(conflictOf);
    if (!deleted) throw new GatewayError('NOT_FOUND', 'no such carrier');
    await deps.routing.refresh(true);
    res.status(204).end();
  });

  router.put('/routes', async (req, res) => {
    const body = parse(routesBody, req.body);
    try {
      await deps.routingStore.replaceRoutes(body, currentActor(req));
    } catch (error) {
      if (error instanceof UnknownCarrierError) throw new GatewayError('INVALID_REQUEST', error.message, { unknownCarriers: error.names });
      throw error;
    }
    await deps.routing.refresh(true);
    res.json({ items: deps.routing.table().routes().map((r) => routeView(deps, r)), nextCursor: null });
  });

  router.get('/routes', async (_req, res) => {
    await deps.routing.refresh();
    res.json({ items: deps.routing.table().routes().map((r) => routeView(deps, r)), nextCursor: null });
  });

  router.get('/routes/resolve', async (req, res) => {
    const raw = typeof req.query.to === 'string' ? req.query.to : '';
    const to = normalizeNumber(raw);
    if (to === null) throw new GatewayError('INVALID_NUMBER', 'to must be a valid E.164 number', { invalid: [raw] });
    const route = deps.routing.table().resolve(to);
    if (!route) throw new GatewayError('NOT_FOUND', 'no route covers this number');
    res.json({ to, ...routeView(deps, route) });
  });

  return router;
}

/** carriers in failover order, with weights and ranks parallel to them (valid PUT input as is). */
function routeView(deps: ApiDeps, r: ResolvedRoute) {
  return {
    prefix: r.prefix,
    carriers: r.carrierIds.map((id) => deps.routing.carrier(id)?.name ?? id),
    weights: r.weights,
    ranks: r.ranks,
    price: r.price,
  };
}
