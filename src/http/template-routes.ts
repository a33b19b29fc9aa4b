/**
 * Message templates.
 * An app's own (operator Bearer token, or the app's HTTP Basic credentials for its own appId):
 * - POST /apps/:appId/templates {name, body, ratePolicy?: {perMinute?, perDay?}} -> 201, status "pending";
 * - GET /apps/:appId/templates; DELETE /apps/:appId/templates/:id -> 204.
 * Operator (reviewer):
 * - GET /templates?appId=&status=&cursor=&limit=; GET /templates/:id;
 * - POST /templates/:id/approve; POST /templates/:id/reject {reason?}; DELETE /templates/:id.
 * Every template starts pending, whoever creates it: it is usable in
 * POST /messages {template, params} once a reviewer approved it.
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { GatewayError } from '../core/errors';
import { templateView } from '../db/template-store';
import { templateParams } from '../policy/template';
import { currentActor } from './auth';
import type { ApiDeps } from './deps';
import { createTemplateBody, decisionBody, templateListQuery } from './policy-schemas';
import { policyOf } from './rule-routes';
import { parse } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bearer -> the operator check; anything else -> the app check. */
export function operatorOrApp(operator: RequestHandler, application: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    (req.headers.authorization?.startsWith('Bearer ') ? operator : application)(req, res, next);
}

function uuidOr404(raw: string | undefined, what: string): string {
  if (!raw || !UUID.test(raw)) throw new GatewayError('NOT_FOUND', `no such ${what}`);
  return raw.toLowerCase();
}

/** The :appId an operator names, or the calling app's own id (another app's is a 404). */
function appIdOf(req: Request): string {
  const raw: unknown = req.params.appId;
  const appId = uuidOr404(typeof raw === 'string' ? raw : undefined, 'app');
  if (req.callerApp && req.callerApp.id !== appId) throw new GatewayError('NOT_FOUND', 'no such app');
  return appId;
}

export function appTemplateRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/apps/:appId/templates', async (req, res) => {
    const policy = policyOf(deps);
    const appId = appIdOf(req);
    const body = parse(createTemplateBody, req.body);
    templateParams(body.body); // 400 on a malformed placeholder
    if (!req.callerApp && !(await policy.templates.appExists(appId))) throw new GatewayError('NOT_FOUND', 'no such app');
    const ratePolicy = body.ratePolicy && (body.ratePolicy.perMinute !== undefined || body.ratePolicy.perDay !== undefined)
      ? { perMinute: body.ratePolicy.perMinute ?? null, perDay: body.ratePolicy.perDay ?? null }
      : null;
    const created = await policy.templates.create(appId, { name: body.name, body: body.body, ratePolicy }, currentActor(req));
    policy.templateCache.invalidate();
    res.status(201).json({ ...templateView(created), params: templateParams(created.body) });
  });

  router.get('/apps/:appId/templates', async (req, res) => {
    const appId = appIdOf(req);
    const q = parse(templateListQuery.omit({ appId: true }), req.query);
    const page = await policyOf(deps).templates.list({ ...q, appId });
    res.json({ items: page.items.map(templateView), nextCursor: page.nextCursor });
  });

  router.delete('/apps/:appId/templates/:id', async (req, res) => {
    const policy = policyOf(deps);
    const appId = appIdOf(req);
    const id = uuidOr404(req.params.id, 'template');
    if (!(await policy.templates.delete(id, currentActor(req), appId))) throw new GatewayError('NOT_FOUND', 'no such template');
    policy.templateCache.invalidate();
    res.status(204).end();
  });

  return router;
}

export function templateRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/templates', async (req, res) => {
    const q = parse(templateListQuery, req.query);
    const page = await policyOf(deps).templates.list(q);
    res.json({ items: page.items.map(templateView), nextCursor: page.nextCursor });
  });

  router.get('/templates/:id', async (req, res) => {
    const found = await policyOf(deps).templates.get(uuidOr404(req.params.id, 'template'));
    if (!found) throw new GatewayError('NOT_FOUND', 'no such template');
    res.json({ ...templateView(found), params: templateParams(found.body) });
  });

  for (const [verb, status] of [['approve', 'approved'], ['reject', 'rejected']] as const) {
    router.post(`/templates/:id/${verb}`, async (req, res) => {
      const policy = policyOf(deps);
      const id = uuidOr404(req.params.id, 'template');
      const body = parse(decisionBody, req.body ?? {});
      const decided = await policy.templates.decide(id, status, currentActor(req), body.reason ?? null);
      if (!decided) throw new GatewayError('NOT_FOUND', 'no such template');
      policy.templateCache.invalidate();
      res.json(templateView(decided));
    });
  }

  router.delete('/templates/:id', async (req, res) => {
    const policy = policyOf(deps);
    if (!(await policy.templates.delete(uuidOr404(req.params.id, 'template'), currentActor(req)))) throw new GatewayError('NOT_FOUND', 'no such template');
    policy.templateCache.invalidate();
    res.status(204).end();
  });

  return router;
}
