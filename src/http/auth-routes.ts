/**
 * Users and sessions: register, login, refresh, logout, password reset, who
 * am I; staff users (admin only). Authorization is the route table's
 * (api-routes.ts); handlers only validate and call the auth service.
 */
import { Router, type Request } from 'express';
import type { AuthService } from '../auth/auth-service';
import { GatewayError } from '../core/errors';
import type { User, UserStore } from '../db/user-store';
import type { AuthFailureLimit } from './auth-failures';
import { createUserBody, idParams, loginBody, logoutBody, patchUserBody, refreshBody, registerBody, resetConfirmBody, resetRequestBody, userListQuery } from './user-schemas';
import { parse } from './validate';

export interface UserApiDeps {
  readonly auth: AuthService;
  readonly users: UserStore;
}

const userView = (u: User) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  accountId: u.accountId,
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
});

function actorOf(req: Request): string {
  if (!req.principal) throw new GatewayError('UNAUTHENTICATED');
  return req.principal.actor;
}

export function authRouter(deps: UserApiDeps, failures: AuthFailureLimit): Router {
  const router = Router();

  router.post('/auth/register', async (req, res) => {
    const body = parse(registerBody, req.body);
    res.status(201).json(await deps.auth.register(body));
  });

  router.post('/auth/login', async (req, res) => {
    const address = req.socket.remoteAddress ?? '';
    const blocked = failures.blockedForSeconds(address);
    if (blocked > 0) throw new GatewayError('THROTTLED', 'too many failed authentications from this address', undefined, blocked);
    const body = parse(loginBody, req.body);
    try {
      res.json(await deps.auth.login(body.email, body.password));
    } catch (error) {
      if ((error as GatewayError).code === 'UNAUTHENTICATED') failures.recordFailure(address);
      throw error;
    }
  });

  router.post('/auth/refresh', async (req, res) => {
    const body = parse(refreshBody, req.body);
    res.json(await deps.auth.refresh(body.refreshToken));
  });

  router.post('/auth/logout', async (req, res) => {
    const body = parse(logoutBody, req.body ?? {});
    const p = req.principal;
    if (p?.kind !== 'user') throw new GatewayError('FORBIDDEN', 'only a user session can log out');
    await deps.auth.logout(p, body.refreshToken);
    res.status(204).end();
  });

  router.post('/auth/password-reset', async (req, res) => {
    const body = parse(resetRequestBody, req.body);
    await deps.auth.requestPasswordReset(body.email);
    res.status(202).json({ status: 'if the email is registered, a reset token was sent' });
  });

  router.post('/auth/password-reset/confirm', async (req, res) => {
    const body = parse(resetConfirmBody, req.body);
    await deps.auth.confirmPasswordReset(body.token, body.password);
    res.status(204).end();
  });

  router.get('/auth/me', (req, res) => {
    const p = req.principal;
    if (!p) throw new GatewayError('UNAUTHENTICATED');
    res.json({
      kind: p.kind,
      role: p.role,
      actor: p.actor,
      accountId: p.accountId,
      ...(p.kind === 'user' ? { userId: p.userId } : {}),
      ...(p.kind === 'app' ? { appId: p.appId } : {}),
    });
  });

  router.post('/users', async (req, res) => {
    const body = parse(createUserBody, req.body);
    const user = await deps.auth.createStaff(body, actorOf(req));
    res.status(201).json(userView(user));
  });

  router.get('/users', async (req, res) => {
    const q = parse(userListQuery, req.query);
    const page = await deps.users.list({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    res.json({ items: page.items.map(userView), nextCursor: page.nextCursor });
  });

  router.patch('/users/:id', async (req, res) => {
    const { id } = parse(idParams, req.params);
    const body = parse(patchUserBody, req.body);
    const existing = await deps.users.get(id);
    if (!existing) throw new GatewayError('NOT_FOUND', 'no such user');
    if (body.role && existing.role === 'customer') throw new GatewayError('INVALID_REQUEST', 'a customer owns an account; its role cannot change');
    const user = await deps.users.update(id, body, actorOf(req));
    if (!user) throw new GatewayError('NOT_FOUND', 'no such user');
    res.json(userView(user));
  });

  return router;
}
