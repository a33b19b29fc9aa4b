/**
 * Authentication and role-based authorization for the REST API.
 *
 * `authenticate` turns the Authorization header into a principal (or none):
 * Bearer ADMIN_TOKEN is the admin (automation), any other Bearer is a user's
 * access token, Basic is an application. Wrong credentials are a 401 and
 * count towards the per-address failure limit; no credentials is not an
 * error here (public routes exist).
 *
 * `routeGate` authorizes each request against the route table
 * (api-routes.ts): the roles allowed, and for customers and apps the account
 * scope (the account or app named in the path must be their own; a foreign
 * one is a 404, so ids of other accounts are not confirmed). Handlers of
 * routes scoped 'own' filter by `scopeOf(req)` themselves. A path the table
 * does not know is for admins only under `adminOnlyUnlisted` (/api/v1/), else
 * passes through to its router's own middleware; the matrix test fails for
 * such a route either way.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthService } from '../auth/auth-service';
import type { Principal, PrincipalRole } from '../auth/roles';
import { GatewayError } from '../core/errors';
import type { App } from '../pipeline/types';
import type { AppAuthenticator } from './auth';
import type { AuthFailureLimit } from './auth-failures';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling (set by `authenticate`); absent for anonymous requests. */
    principal?: Principal;
    /** The route table authorized this request; older per-prefix middleware (operatorAuth, appAuth) then lets it pass. */
    routeAuthorized?: boolean;
  }
}

/** Who may call a route. */
export type Access =
  | { readonly public: true }
  | {
      readonly roles: readonly PrincipalRole[];
      /**
       * How customers and apps are confined to their account:
       * - { accountParam }: the path parameter names an account that must be theirs;
       * - { appParam }: the path parameter names an app whose account must be theirs;
       * - 'own': the handler reads only the caller's account (scopeOf).
       * Staff roles are not confined.
       */
      readonly scope?: { readonly accountParam: string } | { readonly appParam: string } | 'own';
    };

export interface GatedRoute {
  readonly method: string;
  /** Express path syntax with :params, e.g. /api/v1/accounts/:id/credit. */
  readonly path: string;
  readonly access: Access;
}

export interface AuthenticateDeps {
  readonly adminToken: string;
  readonly apps: AppAuthenticator;
  readonly users: AuthService | undefined;
  readonly failures: AuthFailureLimit;
}

export function authenticate(deps: AuthenticateDeps): RequestHandler {
  const expected = createHash('sha256').update(deps.adminToken).digest();
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) return next();
    const address = req.socket.remoteAddress ?? '';
    const blocked = deps.failures.blockedForSeconds(address);
    if (blocked > 0) return next(new GatewayError('THROTTLED', 'too many failed authentications from this address', undefined, blocked));
    try {
      const found = await principalOf(header, expected, deps);
      req.principal = found.principal;
      if (found.app) req.callerApp = found.app;
    } catch (error) {
      if ((error as GatewayError).code === 'UNAUTHENTICATED') deps.failures.recordFailure(address);
      return next(error);
    }
    req.actor = req.principal.actor;
    next();
  };
}

async function principalOf(header: string, adminHash: Buffer, deps: AuthenticateDeps): Promise<{ principal: Principal; app?: App }> {
  if (header.startsWith('Basic ')) {
    const app = await deps.apps.authenticate(header);
    return { principal: { kind: 'app', role: 'app', actor: `app:${app.id}`, appId: app.id, accountId: app.accountId }, app };
  }
  if (header.startsWith('Bearer ')) {
    const token = header.slice(7).trim();
    const given = createHash('sha256').update(token).digest();
    if (token && timingSafeEqual(given, adminHash)) return { principal: { kind: 'admin-token', role: 'admin', actor: 'operator', accountId: null } };
    const user = token ? await deps.users?.principal(token) : undefined;
    if (user) return { principal: user };
    throw new GatewayError('UNAUTHENTICATED', 'invalid or expired bearer token');
  }
  throw new GatewayError('UNAUTHENTICATED', 'use Bearer (admin token or access token) or Basic (appId:secret) credentials');
}

interface CompiledRoute {
  readonly route: GatedRoute;
  readonly regex: RegExp;
  readonly params: readonly string[];
}

export function compilePath(path: string): { regex: RegExp; params: string[] } {
  const params: string[] = [];
  const pattern = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        params.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${pattern}/?$`, 'i'), params };
}

export interface GateDeps {
  /** The account of an app; undefined when there is no such app. */
  readonly appAccount: (appId: string) => Promise<string | undefined>;
  /** Runs after authorization (the JSON body parser). */
  readonly then?: RequestHandler;
  /**
   * Paths under this prefix that the table does not list are for admins only (fail closed):
   * a route mounted without a table entry is never open to customers or apps by mistake.
   * Unset: such paths pass through to their own middleware.
   */
  readonly adminOnlyUnlisted?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function routeGate(routes: readonly GatedRoute[], deps: GateDeps): RequestHandler {
  const compiled: CompiledRoute[] = routes.map((route) => ({ route, ...compilePath(route.path) }));
  // HEAD is answered by GET handlers in express.
  const find = (method: string, path: string) => {
    const wanted = method === 'HEAD' ? 'GET' : method;
    for (const c of compiled) {
      if (c.route.method.toUpperCase() !== wanted) continue;
      const m = c.regex.exec(path);
      if (!m) continue;
      const values: Record<string, string> = {};
      c.params.forEach((p, i) => {
        values[p] = safeDecode(m[i + 1]!);
      });
      return { route: c.route, params: values };
    }
    return undefined;
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const found = find(req.method, req.path);
    if (!found && !(deps.adminOnlyUnlisted && req.path.startsWith(deps.adminOnlyUnlisted))) return next();
    try {
      if (found) await check(found.route.access, req.principal, found.params, deps);
      else if (req.principal?.role !== 'admin') {
        const why = 'not in the route table (src/http/api-routes.ts): admins only';
        throw req.principal?.kind === 'user' ? new GatewayError('FORBIDDEN', why) : new GatewayError('UNAUTHENTICATED', why);
      }
    } catch (error) {
      return next(error);
    }
    req.routeAuthorized = true;
    if (deps.then) void deps.then(req, res, next);
    else next();
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function check(access: Access, principal: Principal | undefined, params: Record<string, string>, deps: GateDeps): Promise<void> {
  if ('public' in access) return;
  if (!principal) throw new GatewayError('UNAUTHENTICATED', 'credentials are required');
  if (!access.roles.includes(principal.role)) {
    // A user signed in with the wrong role is forbidden; app credentials on an operator route (or the
    // admin token on an app route) are simply not credentials for it: 401, as before users existed.
    if (principal.kind === 'user') throw new GatewayError('FORBIDDEN', `the ${principal.role} role may not do this`);
    throw new GatewayError('UNAUTHENTICATED', principal.kind === 'app' ? 'operator or user credentials are required' : 'application (HTTP Basic) credentials are required');
  }
  if (principal.role !== 'customer' && principal.role !== 'app') return;
  const scope = access.scope;
  if (!scope || scope === 'own') return;
  if ('accountParam' in scope) {
    if (params[scope.accountParam] !== principal.accountId) throw new GatewayError('NOT_FOUND', 'no such account');
    return;
  }
  const appId = params[scope.appParam] ?? '';
  const account = UUID.test(appId) ? await deps.appAccount(appId) : undefined;
  if (account === undefined || account !== principal.accountId) throw new GatewayError('NOT_FOUND', 'no such app');
}

/**
 * Whose data a handler may read: undefined for staff (every account), the
 * caller's account for customers and apps (and the app itself for apps).
 */
export function scopeOf(req: Request): { accountId: string; appId?: string } | undefined {
  const p = req.principal;
  if (!p) throw new GatewayError('UNAUTHENTICATED');
  if (p.kind === 'app') return { accountId: p.accountId, appId: p.appId };
  if (p.role === 'customer' && p.accountId) return { accountId: p.accountId };
  if (p.role === 'customer') throw new GatewayError('FORBIDDEN', 'this customer has no account');
  return undefined;
}
