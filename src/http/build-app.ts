/**
 * The HTTP application, built without listening (tests drive it through a
 * socket they open themselves, or supertest-free with fetch on port 0).
 */
import express, { type Express } from 'express';
import { GatewayError } from '../core/errors';
import { appAuth, operatorAuth } from './auth';
import { AuthFailureLimit } from './auth-failures';
import type { HttpDeps } from './deps';
import { errorHandler } from './error-map';
import { callbackRouter } from './callback-routes';
import { carrierRouter } from './carrier-routes';
import { ledgerRouter } from './ledger-routes';
import { moRouter } from './mo-routes';
import { numberRouter } from './number-routes';
import { consoleRouter, statsStreamRouter } from './console-routes';
import { dlqRouter } from './dlq-routes';
import { messageRouter } from './message-routes';
import { operatorRouter } from './operator-routes';
import { API_ROUTES } from './api-routes';
import { appKeyRouter } from './app-key-routes';
import { auditRouter } from './audit-routes';
import { batchRouter } from './batch-routes';
import { authRouter } from './auth-routes';
import { authenticate, routeGate } from './authorize';
import { openApiRouter } from './openapi-routes';
import { reviewRouter } from './review-routes';
import { ruleRouter } from './rule-routes';
import { appTemplateRouter, operatorOrApp, templateRouter } from './template-routes';
import { operatorPageAuth, queueRouter } from './queue-routes';
import { reportRouter } from './report-routes';

/** Where bull-board is mounted (gateway.ts builds it with this base path). */
export const ADMIN_QUEUES_PATH = '/admin/queues';

/** The API's version in the OpenAPI document. */
export const API_VERSION = '1.0.0';

/** Largest accepted JSON body; 1,000 numbers and a long text fit in well under it. */
export const BODY_LIMIT = '256kb';

/** POST /api/v1/batches: 100,000 recipients with their params (JSON) or as CSV. */
export const BATCH_BODY_LIMIT = '16mb';

export function buildApp(deps: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.readiness();
      res.json({ status: 'ready' });
    } catch (error) {
      res.status(503).json({ error: { code: 'QUEUE_UNAVAILABLE', message: 'not ready', details: { cause: (error as Error).message } } });
    }
  });
  app.get('/metrics', async (_req, res) => {
    await deps.collectMetrics?.().catch((error: unknown) => deps.log.warn({ err: error }, 'queue metrics unavailable'));
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  if (deps.api) {
    const api = deps.api;
    const json = express.json({ limit: BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] });
    const failures = new AuthFailureLimit(deps.authFailureLimit);
    const operator = operatorAuth(deps.adminToken, failures);
    const application = appAuth(api.authenticator, failures);
    // Who is calling (ADMIN_TOKEN, a user's access token or an app), then the route table's
    // role and account-scope check (authorize.ts, api-routes.ts) and the JSON body, for every
    // route below. A path under /api/v1/ that the table does not list is for admins only.
    app.use('/api/v1', authenticate({ adminToken: deps.adminToken, apps: api.authenticator, users: api.identity.auth, failures }));
    // POST /batches takes up to 100,000 recipients (JSON or a CSV upload): its own, larger body limit.
    const batchJson = express.json({ limit: BATCH_BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] });
    const batchCsv = express.text({ limit: BATCH_BODY_LIMIT, type: ['text/csv'] });
    const body: express.RequestHandler = (req, res, next) => {
      if (req.method !== 'POST' || !/^\/api\/v1\/batches\/?$/i.test(req.path)) return json(req, res, next);
      batchJson(req, res, (error?: unknown) => (error ? next(error) : batchCsv(req, res, next)));
    };
    app.use(routeGate(API_ROUTES, { appAccount: (id) => api.identity.appAccount(id), then: body, adminOnlyUnlisted: '/api/v1/' }));
    // The submit path first: every router mounted before it costs each submission a walk over its routes.
    app.use('/api/v1', messageRouter(api));
    if (api.batches) app.use('/api/v1', batchRouter(api, api.batches));
    app.use(openApiRouter(API_VERSION));
    app.use('/api/v1', authRouter(api.identity, failures));
    app.use('/api/v1', auditRouter(api.identity.audit));
    app.use('/api/v1', appKeyRouter({ ...api.identity.appKeys, authenticator: api.authenticator }));
    app.use('/api/v1', operatorRouter(api));
    app.use('/api/v1', carrierRouter(api));
    app.use('/api/v1', dlqRouter(api));
    // Queues, carrier pauses, reports (issue 8; who may call them: api-routes.ts); bull-board: the admin token.
    if (api.queueControl) {
      app.use('/api/v1', queueRouter(api, api.queueControl));
    }
    if (api.reports) {
      app.use('/api/v1', reportRouter(api, api.reports));
    }
    if (deps.adminQueuesPage) app.use(ADMIN_QUEUES_PATH, operatorPageAuth(deps.adminToken, ADMIN_QUEUES_PATH, failures), deps.adminQueuesPage);
    // Live statistics (server-sent events) for any operator client; the console's dashboard uses it.
    app.use('/api/v1', statsStreamRouter(deps));
    // Content rules, the held review queue, template approval and an app's own templates (issue 7;
    // reviewers, and customers or the app for its templates: api-routes.ts).
    app.use('/api/v1', ruleRouter(api));
    app.use('/api/v1', reviewRouter(api));
    app.use('/api/v1', templateRouter(api));
    app.use('/api/v1', appTemplateRouter(api));
    // Rates, credit limits, the ledger and billing log, quotas, numbers, MO and dead callbacks
    // (issue 7): the route table decides; each route's own guard (operator, app, either) then lets it pass.
    if (api.billing) {
      const guard = { operator, application, either: operatorOrApp(operator, application), json };
      app.use('/api/v1', ledgerRouter(api, api.billing, guard), numberRouter(api, api.billing, guard, api.now));
      app.use('/api/v1', moRouter(api.billing, guard), callbackRouter(api.billing, guard));
    }
    // The web console (console/dist, built by npm run console:build; 503 when not built), beside the API it calls.
    app.use('/console', consoleRouter());
  }

  app.use((_req, _res, next) => next(new GatewayError('NOT_FOUND', 'no such endpoint')));
  app.use(errorHandler(deps.log));
  return app;
}
