/**
 * The console's only door to the gateway: the public HTTP API, nothing else.
 *
 * A session is either an operator token (Bearer ADMIN_TOKEN) or a user's
 * access token from POST /api/v1/auth/login; both go out as Bearer. Calls of
 * the application API (messages, balance) go out with an app's Basic
 * credentials when the operator picked one of the apps the console knows, or
 * with the user's token when signed in as a user.
 */

export type Session =
  | { readonly kind: 'operator'; readonly token: string }
  | {
      readonly kind: 'user';
      readonly email: string;
      readonly accessToken: string;
      readonly refreshToken: string;
      readonly role: Role;
      /** The customer's own account; null for staff. */
      readonly accountId: string | null;
    };

export type Role = 'admin' | 'reviewer' | 'finance' | 'customer';

export interface AppKey {
  readonly appId: string;
  readonly secret: string;
  readonly name: string;
  readonly accountId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** The same JSON error shape as every endpoint: {"error":{"code","message","details"}}. */
async function parseResponse(response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!response.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(response.status, err?.code ?? `HTTP_${response.status}`, err?.message ?? response.statusText, err?.details);
  }
  return body;
}

export function roleOf(session: Session): Role {
  return session.kind === 'operator' ? 'admin' : session.role;
}

export function authHeader(session: Session): string {
  return `Bearer ${session.kind === 'operator' ? session.token : session.accessToken}`;
}

export function basicHeader(key: AppKey): string {
  return `Basic ${btoa(`${key.appId}:${key.secret}`)}`;
}

/**
 * Set by the console state: exchanges the refresh token of an expired user
 * session for a new pair and answers the new Authorization header, or
 * undefined (then the user signs in again).
 */
let refreshHandler: ((staleAuth: string) => Promise<string | undefined>) | undefined;
export function onAccessTokenExpired(handler: typeof refreshHandler): void {
  refreshHandler = handler;
}

/** `body` goes out as JSON; `text` as it is, with the content type the caller puts in `headers` (a CSV upload). */
export async function call<T>(method: string, path: string, init: { auth?: string; body?: unknown; text?: string; headers?: Record<string, string> } = {}): Promise<T> {
  const send = (auth: string | undefined) => {
    const headers: Record<string, string> = { accept: 'application/json', ...(init.headers ?? {}) };
    if (auth) headers.authorization = auth;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    } else if (init.text !== undefined) {
      body = init.text;
    }
    return fetch(path, { method, headers, body });
  };
  let response = await send(init.auth);
  if (response.status === 401 && init.auth?.startsWith('Bearer ') && refreshHandler) {
    const fresh = await refreshHandler(init.auth);
    if (fresh) response = await send(fresh);
  }
  return (await parseResponse(response)) as T;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/** POST /api/v1/auth/refresh: a refresh token is good for one exchange. */
export async function refreshSession(session: Extract<Session, { kind: 'user' }>): Promise<Session> {
  const tokens = await call<TokenPair>('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
  return { ...session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
}

/** True when the gateway has this endpoint: anything but 404 "no such endpoint" counts. */
export async function endpointExists(method: string, path: string, auth?: string): Promise<boolean> {
  try {
    const response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      body: method === 'GET' ? undefined : '{}',
    });
    if (response.status !== 404) return true;
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    return body?.error?.message !== 'no such endpoint';
  } catch {
    return false;
  }
}

/** Decodes a JWT's payload without verifying it (the gateway verifies; the console only reads the role). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const ROLES: readonly Role[] = ['admin', 'reviewer', 'finance', 'customer'];

export async function login(email: string, password: string): Promise<Session> {
  const tokens = await call<TokenPair>('POST', '/api/v1/auth/login', { body: { email, password } });
  const auth = `Bearer ${tokens.accessToken}`;
  // Who we are: GET /api/v1/auth/me {kind, role, accountId}; the token's claims as a fallback.
  const me = await call<{ role?: string; accountId?: string | null }>('GET', '/api/v1/auth/me', { auth }).catch(() => undefined);
  const claims = jwtClaims(tokens.accessToken);
  const role = ROLES.find((r) => r === me?.role) ?? ROLES.find((r) => r === claims.role) ?? 'customer';
  const accountId = me?.accountId ?? (typeof claims.accountId === 'string' ? claims.accountId : null);
  return { kind: 'user', email, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, role, accountId };
}

/** Checks an operator token against an operator-only endpoint. */
export async function checkOperatorToken(token: string): Promise<Session> {
  await call('GET', '/api/v1/carriers', { auth: `Bearer ${token}` });
  return { kind: 'operator', token };
}

// --- typed views of the API's answers ---------------------------------------

export interface Account {
  id: string;
  name: string;
  balance: number;
  createdAt?: string;
}

export interface CreatedApp {
  appId: string;
  secret: string;
  smppSystemId: string;
  smppPassword: string;
  name: string;
  throughputPerSecond: number;
  callbackUrl: string | null;
  moUrl: string | null;
  senders: string[];
}

export interface Carrier {
  id: string;
  name: string;
  host: string;
  port: number;
  systemId: string;
  binds: number;
  window: number;
  maxTps: number | null;
  enabled: boolean;
  boundSessions: number;
  inFlight: number;
  breaker: string;
}

export interface RouteRow {
  prefix: string;
  carriers: string[];
  weights?: number[];
  ranks?: number[];
  price: number;
}

export interface Message {
  id: string;
  to: string;
  from: string | null;
  text: string;
  status: string;
  parts: number;
  encoding: string;
  price: number;
  priority: string;
  reference: string | null;
  carrier: string | null;
  carrierMessageId: string | null;
  errorCode: string | null;
  createdAt: string;
  events?: Array<{ status: string; at: string; detail: unknown }>;
  /** The parts handed to carriers (detail only); cost for operators only. */
  partDetails?: Array<{ index: number; carrier: string | null; carrierMessageId: string; status: string; delivered: boolean; submittedAt: string; doneAt: string | null; errorCode: string | null; cost?: number | null }>;
}

export interface AppView {
  appId?: string;
  id?: string;
  name: string;
  throughputPerSecond?: number;
  callbackUrl?: string | null;
  moUrl?: string | null;
  senders?: string[];
  createdAt?: string;
}

export interface StatsSnapshot {
  at: string;
  throughput: { inPerSecond: number; outPerSecond: number; finalPerSecond: number };
  totals: { accepted: number; submitted: number; final: Record<string, number> };
  deliveryRatio: { lastMinute: number | null; sinceStart: number | null };
  queues: Array<{ queue: string; state: string; count: number }>;
  carriers: Array<{ id: string; name: string; enabled: boolean; boundSessions: number; configuredBinds: number; inFlight: number; breaker: string }>;
  smppSessions: Record<string, number>;
}

/** GET /api/v1/batches: one row of the list (the counts come from the batch's progress). */
export interface BatchSummary {
  id: string;
  appId: string;
  total: number;
  created: number;
  priority: string;
  scheduleAt: string | null;
  createdAt: string;
  cancelledAt: string | null;
}

/** GET /api/v1/batches/:id (docs/campaigns.md "Progress and listing"); amounts in minor units. */
export interface BatchProgress {
  id: string;
  state: 'scheduled' | 'expanding' | 'sending' | 'completed' | 'cancelled';
  total: number;
  created: number;
  accepted: number;
  held: number;
  queued: number;
  submitted: number;
  delivered: number;
  undelivered: number;
  expired: number;
  failed: number;
  rejected: number;
  cancelled: number;
  refunded: number;
  charged: number;
  refundedAmount: number;
  cost: number;
  scheduleAt: string | null;
  createdAt: string;
  cancelledAt: string | null;
}

/** The 202 of POST /api/v1/batches. */
export interface BatchAccepted {
  batchId: string;
  accepted: number;
  refused: Array<{ to: string; reason: string; detail?: unknown }>;
  price: number;
  scheduleAt: string | null;
}

export const FINAL_STATUSES = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'] as const;
export const STATUSES = ['accepted', 'held', 'queued', 'submitted', ...FINAL_STATUSES] as const;
