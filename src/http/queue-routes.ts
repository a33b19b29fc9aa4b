/**
 * Operator API for the pipeline's queues and carrier dispatch (Bearer
 * ADMIN_TOKEN; workers/queue-monitor.ts and workers/carrier-pauses.ts say
 * how each figure is read and how a pause crosses processes):
 * - GET /queues: per queue waiting, active, delayed, failed, the oldest
 *   waiting job's age, completed per minute, backlogGrowing, paused; and the
 *   carriers paused by an operator;
 * - POST /queues/:name/pause | resume: no worker takes new jobs of the queue
 *   (they wait) | they run again;
 * - POST /queues/:name/retry-failed: failed jobs back to wait;
 * - POST /carriers/:id/pause | resume: nothing is sent to the carrier (its
 *   messages fail over along their route or wait queued) | sending resumes.
 * Unknown queue or carrier: 404.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { GatewayError } from '../core/errors';
import { currentActor } from './auth';
import type { AuthFailureLimit } from './auth-failures';
import type { ApiDeps } from './deps';

export interface QueueStatus {
  readonly name: string;
  readonly paused: boolean;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly oldestWaitingAgeSeconds: number | null;
  readonly completedPerMinute: number | null;
  readonly backlogGrowing: boolean;
}

/** What the router needs (implemented over BullMQ and Redis by workers/queue-monitor.ts). */
export interface QueueControl {
  has(name: string): boolean;
  overview(): Promise<QueueStatus[]>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  retryFailed(name: string): Promise<number>;
  pauseCarrier(carrierId: string, actor: string): Promise<boolean>;
  resumeCarrier(carrierId: string): Promise<boolean>;
  pausedCarriers(): Promise<Array<{ carrierId: string; pausedAt: string; actor: string }>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Redis did not answer: a 503 the operator may retry, not a 500. */
function unavailable(error: unknown): never {
  throw new GatewayError('QUEUE_UNAVAILABLE', 'the queues (Redis) did not answer; try again', { cause: (error as Error).message });
}

export function queueRouter(deps: ApiDeps, control: QueueControl): Router {
  const router = Router();

  const queueName = (raw: string | undefined): string => {
    if (!raw || !control.has(raw)) throw new GatewayError('NOT_FOUND', 'no such queue');
    return raw;
  };
  const carrierOf = (raw: string | undefined) => {
    const carrier = raw && UUID.test(raw) ? deps.routing.carrier(raw) : undefined;
    if (!carrier || carrier.deleted) throw new GatewayError('NOT_FOUND', 'no such carrier');
    return carrier;
  };

  router.get('/queues', async (_req, res) => {
    const [items, paused] = await Promise.all([control.overview(), control.pausedCarriers()]).catch(unavailable);
    res.json({
      items,
      pausedCarriers: paused.map((p) => ({ ...p, name: deps.routing.carrier(p.carrierId)?.name ?? null })),
    });
  });

  router.post('/queues/:name/pause', async (req, res) => {
    const name = queueName(req.params.name);
    await control.pause(name).catch(unavailable);
    res.json({ name, paused: true });
  });

  router.post('/queues/:name/resume', async (req, res) => {
    const name = queueName(req.params.name);
    await control.resume(name).catch(unavailable);
    res.json({ name, paused: false });
  });

  router.post('/queues/:name/retry-failed', async (req, res) => {
    const name = queueName(req.params.name);
    res.json({ name, retried: await control.retryFailed(name).catch(unavailable) });
  });

  router.post('/carriers/:id/pause', async (req, res) => {
    const carrier = carrierOf(req.params.id);
    const changed = await control.pauseCarrier(carrier.id, currentActor(req)).catch(unavailable);
    res.json({ id: carrier.id, name: carrier.name, paused: true, changed });
  });

  router.post('/carriers/:id/resume', async (req, res) => {
    const carrier = carrierOf(req.params.id);
    const changed = await control.resumeCarrier(carrier.id).catch(unavailable);
    res.json({ id: carrier.id, name: carrier.name, paused: false, changed });
  });

  return router;
}

const PAGE_COOKIE = 'smsgw_admin';

/** What the page cookie holds: a digest of the token, never the token itself. */
const cookieValueOf = (adminToken: string): string => createHash('sha256').update(`smsgw-admin-page:${adminToken}`).digest('base64url');

function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * Operator authentication for browser pages (bull-board at /admin/queues):
 * the Bearer ADMIN_TOKEN header as everywhere, or, since a browser cannot
 * send that header, the token once in `?token=`: it is checked, answered
 * with an HttpOnly, SameSite=Strict cookie scoped to `path` (holding a
 * digest of the token, not the token), and redirected to the same page
 * without the token in the address. Later requests carry the cookie.
 * Failures count towards the per-address limit like any operator call.
 */
export function operatorPageAuth(adminToken: string, path: string, failures: AuthFailureLimit) {
  const expectedCookie = cookieValueOf(adminToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const address = req.socket.remoteAddress ?? '';
    const blocked = failures.blockedForSeconds(address);
    if (blocked > 0) {
      next(new GatewayError('THROTTLED', 'too many failed authentications from this address', undefined, blocked));
      return;
    }
    const header = req.headers.authorization ?? '';
    const bearer = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const cookie = cookieOf(req.headers.cookie, PAGE_COOKIE);
    const query = typeof req.query.token === 'string' ? req.query.token : '';
    if ((bearer && sameSecret(bearer, adminToken)) || (cookie && sameSecret(cookie, expectedCookie))) {
      req.actor = 'operator';
      next();
      return;
    }
    if (query && sameSecret(query, adminToken)) {
      const secure = req.secure ? '; Secure' : '';
      res.setHeader('Set-Cookie', `${PAGE_COOKIE}=${expectedCookie}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`);
      const url = new URL(req.originalUrl, 'http://page');
      url.searchParams.delete('token');
      res.redirect(302, `${url.pathname}${url.search}`);
      return;
    }
    failures.recordFailure(address);
    next(new GatewayError('UNAUTHENTICATED', 'operator authentication required (Bearer ADMIN_TOKEN, or ?token= once)'));
  };
}
