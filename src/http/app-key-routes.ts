/**
 * An account's apps and their keys: list (no secrets) and rotate the secret.
 * Customers reach only their own account's apps (the route table's scope).
 * A rotated secret stops working at once in this process and within the
 * credential cache's 30 s in the others.
 */
import { Router } from 'express';
import { GatewayError } from '../core/errors';
import type { App } from '../pipeline/types';
import type { AppAuthenticator } from './auth';
import { appIdParams, idParams } from './user-schemas';
import { parse } from './validate';

export interface AppKeyDeps {
  readonly list: (accountId: string) => Promise<App[]>;
  /** The new secret; undefined when there is no such app. */
  readonly rotateSecret: (appId: string, actor: string) => Promise<string | undefined>;
  readonly authenticator: AppAuthenticator;
}

const appView = (a: App) => ({
  appId: a.id,
  accountId: a.accountId,
  name: a.name,
  throughputPerSecond: a.throughputPerSecond,
  callbackUrl: a.callbackUrl,
  moUrl: a.moUrl,
  senders: a.senders,
});

export function appKeyRouter(deps: AppKeyDeps): Router {
  const router = Router();

  router.get('/accounts/:id/apps', async (req, res) => {
    const { id } = parse(idParams, req.params);
    res.json({ items: (await deps.list(id)).map(appView), nextCursor: null });
  });

  router.post('/apps/:appId/secret', async (req, res) => {
    const { appId } = parse(appIdParams, req.params);
    const secret = await deps.rotateSecret(appId, req.principal?.actor ?? 'system');
    if (secret === undefined) throw new GatewayError('NOT_FOUND', 'no such app');
    deps.authenticator.invalidate(appId);
    res.json({ appId, secret });
  });

  return router;
}
