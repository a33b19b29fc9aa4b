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
import { carrierRouter } from './carrier-routes';
import { dlqRouter } from './dlq-routes';
import { messageRouter } from './message-routes';
import { operatorRouter } from './operator-routes';

/** Largest accepted JSON body; 1,000 numbers and a long text fit in well under it. */
export const BODY_LIMIT = '256kb';

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
    // Operator-only paths first; everything else under /api/v1 is the application API.
    app.use(['/api/v1/accounts', '/api/v1/carriers', '/api/v1/routes', '/api/v1/dlq'], operator, json);
    app.use('/api/v1', operatorRouter(api));
    app.use('/api/v1', carrierRouter(api));
    app.use('/api/v1', dlqRouter(api));
    app.use(['/api/v1/messages', '/api/v1/balance'], application, json);
    app.use('/api/v1', messageRouter(api));
  }

  app.use((_req, _res, next) => next(new GatewayError('NOT_FOUND', 'no such endpoint')));
  app.use(errorHandler(deps.log));
  return app;
}
