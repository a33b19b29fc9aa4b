/**
 * Authentication at the edge. Operators: Bearer ADMIN_TOKEN, compared in
 * constant time, or an admin user (see authorize.ts, which runs first and
 * decides for every route in the route table). Applications: HTTP Basic appId:secret; the secret's
 * SHA-256 is compared in constant time against the stored hash, and the
 * app's record is cached (`cacheTtlMs`, default 30 s) so a request costs no
 * database round trip.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { secretMatches } from '../core/credentials';
import { GatewayError } from '../core/errors';
import type { App } from '../pipeline/types';
import type { AuthFailureLimit } from './auth-failures';

export interface AppCredentialSource {
  credentials(appId: string): Promise<{ app: App; secretHash: Buffer } | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AppAuthenticator {
  private readonly cache = new Map<string, { value: { app: App; secretHash: Buffer }; expiresMs: number }>();

  constructor(
    private readonly source: AppCredentialSource,
    private readonly cacheTtlMs = 30_000,
  ) {}

  async authenticate(header: string | undefined): Promise<App> {
    if (!header?.startsWith('Basic ')) throw new GatewayError('UNAUTHENTICATED', 'HTTP Basic credentials (appId:secret) are required');
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const appId = colon > 0 ? decoded.slice(0, colon) : '';
    const secret = colon > 0 ? decoded.slice(colon + 1) : '';
    if (!UUID.test(appId) || !secret) throw new GatewayError('UNAUTHENTICATED', 'wrong app id or secret');
    const found = await this.lookup(appId);
    if (!found || !secretMatches(secret, found.secretHash)) throw new GatewayError('UNAUTHENTICATED', 'wrong app id or secret');
    return found.app;
  }

  /** Forgets a cached app (after a change made in this process). */
  invalidate(appId: string): void {
    this.cache.delete(appId);
  }

  private async lookup(appId: string): Promise<{ app: App; secretHash: Buffer } | undefined> {
    const now = Date.now();
    const hit = this.cache.get(appId);
    if (hit && hit.expiresMs > now) return hit.value;
    const value = await this.source.credentials(appId);
    if (value) this.cache.set(appId, { value, expiresMs: now + this.cacheTtlMs });
    else this.cache.delete(appId);
    return value;
  }
}

export function operatorAuth(adminToken: string, failures: AuthFailureLimit) {
  const expected = createHash('sha256').update(adminToken).digest();
  return (req: Request, _res: Response, next: NextFunction): void => {
    // The route table (authorize.ts) already decided, or the caller is an admin (ADMIN_TOKEN or an admin user).
    if (req.routeAuthorized || req.principal?.role === 'admin') {
      req.actor ??= req.principal?.actor ?? 'operator';
      next();
      return;
    }
    if (req.principal) {
      // Signed in with the wrong role: 403; app credentials are no operator credentials: 401.
      next(
        req.principal.kind === 'user'
          ? new GatewayError('FORBIDDEN', `the ${req.principal.role} role may not do this`)
          : new GatewayError('UNAUTHENTICATED', 'operator bearer token required'),
      );
      return;
    }
    const address = req.socket.remoteAddress ?? '';
    const blocked = failures.blockedForSeconds(address);
    if (blocked > 0) {
      next(new GatewayError('THROTTLED', 'too many failed authentications from this address', undefined, blocked));
      return;
    }
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const given = createHash('sha256').update(token).digest();
    if (!token || !timingSafeEqual(given, expected)) {
      failures.recordFailure(address);
      next(new GatewayError('UNAUTHENTICATED', 'operator bearer token required'));
      return;
    }
    req.actor = 'operator';
    next();
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    callerApp?: App;
    /** Who is calling, for the audit trail: 'operator', 'user:<uuid>' or 'app:<appId>'. */
    actor?: string;
  }
}

export function appAuth(authenticator: AppAuthenticator, failures: AuthFailureLimit) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    // The route table (authorize.ts) already decided, or `authenticate` already found the app.
    if (req.routeAuthorized || req.callerApp) {
      next();
      return;
    }
    if (req.principal) {
      next(
        req.principal.kind === 'user'
          ? new GatewayError('FORBIDDEN', `the ${req.principal.role} role may not do this`)
          : new GatewayError('UNAUTHENTICATED', 'application (HTTP Basic) credentials are required'),
      );
      return;
    }
    const address = req.socket.remoteAddress ?? '';
    const blocked = failures.blockedForSeconds(address);
    if (blocked > 0) {
      next(new GatewayError('THROTTLED', 'too many failed authentications from this address', undefined, blocked));
      return;
    }
    try {
      req.callerApp = await authenticator.authenticate(req.headers.authorization);
      req.actor = `app:${req.callerApp.id}`;
      next();
    } catch (error) {
      if ((error as GatewayError).code === 'UNAUTHENTICATED') failures.recordFailure(address);
      next(error);
    }
  };
}

export function currentApp(req: Request): App {
  if (!req.callerApp) throw new GatewayError('UNAUTHENTICATED');
  return req.callerApp;
}

/** The caller's audit name; routes behind an authentication middleware always have one. */
export function currentActor(req: Request): string {
  if (!req.actor) throw new GatewayError('UNAUTHENTICATED');
  return req.actor;
}
