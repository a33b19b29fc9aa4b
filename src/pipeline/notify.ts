/**
 * Status callbacks and MO webhooks: one signed POST per final status to the
 * message's callbackUrl, and one per routed MO to its app's moUrl. The
 * signature is `sha256=<hex HMAC-SHA256 of the raw body, keyed with the app
 * secret>` in X-Smsgw-Signature. A failed POST leaves its batch as its own
 * job, retried with exponential backoff (capped) up to `maxAttempts`
 * (CALLBACK_MAX_ATTEMPTS), then it is dead-lettered: stored for the API to
 * show and retry. A slow or dead endpoint never holds the others back: the
 * notify queue is separate from the message stages, every POST has a
 * timeout, and a host holding its share of concurrent POSTs (HostLimiter)
 * makes further callbacks wait in line at most briefly, then defers them.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { StageQueues } from './ports';
import type { CallbackRecord, Finalized } from './types';

export const SIGNATURE_HEADER = 'X-Smsgw-Signature';
/** Default attempts per callback before it is dead-lettered (CALLBACK_MAX_ATTEMPTS). */
export const MAX_CALLBACK_ATTEMPTS = 8;
/** Longest wait between two attempts, ms. */
export const MAX_CALLBACK_DELAY_MS = 3600_000;
/** How long a failed POST keeps its host slot after failing, ms. */
const FAILED_SLOT_HOLD_MS = 50;

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function statusCallbacks(finalized: readonly Finalized[]): CallbackRecord[] {
  const callbacks: CallbackRecord[] = [];
  for (const f of finalized) {
    const url = f.message.callbackUrl;
    if (!url) continue;
    const body = JSON.stringify({
      id: f.message.id,
      status: f.status,
      to: f.message.to,
      reference: f.message.reference,
      ...(f.errorCode ? { errorCode: f.errorCode } : {}),
      at: f.at.toISOString(),
    });
    callbacks.push({ appId: f.message.appId, url, body });
  }
  return callbacks;
}

/** A callback whose attempts ran out. */
export interface DeadCallback {
  readonly appId: string;
  readonly kind: 'status' | 'mo';
  readonly url: string;
  readonly body: string;
  readonly attempts: number;
  readonly lastError: string;
}

/**
 * Concurrent POSTs per host, in this process. A callback waits in line for
 * its host's slot at most `maxWaitMs` (FIFO), then is deferred by the
 * caller: a healthy host is served at full speed by `perHost` connections,
 * while a hanging endpoint occupies at most `perHost` requests and holds a
 * worker slot no longer than maxWaitMs plus one POST timeout.
 */
export class HostLimiter {
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, Array<(release: (() => void) | undefined) => void>>();

  constructor(
    private readonly perHost: number,
    private readonly maxWaitMs = 1_000,
  ) {}

  /** A release function, or undefined when no slot freed within maxWaitMs. */
  async acquire(url: string): Promise<(() => void) | undefined> {
    const host = hostOf(url);
    const now = this.tryAcquireHost(host);
    if (now || this.maxWaitMs <= 0) return now;
    return new Promise((resolve) => {
      const line = this.waiting.get(host) ?? [];
      this.waiting.set(host, line);
      const grant = (release: (() => void) | undefined) => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        const i = line.indexOf(grant);
        if (i >= 0) line.splice(i, 1);
        if (line.length === 0 && this.waiting.get(host) === line) this.waiting.delete(host);
        resolve(undefined);
      }, this.maxWaitMs);
      line.push(grant);
    });
  }

  /** A release function, or undefined at once when the host is at its share. */
  tryAcquire(url: string): (() => void) | undefined {
    return this.tryAcquireHost(hostOf(url));
  }

  private tryAcquireHost(host: string): (() => void) | undefined {
    const current = this.inFlight.get(host) ?? 0;
    if (current >= this.perHost) return undefined;
    this.inFlight.set(host, current + 1);
    return this.releaser(host);
  }

  private releaser(host: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next in line; otherwise give it back.
      const next = this.waiting.get(host)?.shift();
      if (next) {
        if (this.waiting.get(host)?.length === 0) this.waiting.delete(host);
        next(this.releaser(host));
        return;
      }
      const left = (this.inFlight.get(host) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(host);
      else this.inFlight.set(host, left);
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export interface NotifyDeps {
  readonly queues: StageQueues;
  /** The app's signing secret; undefined when the app is gone (the callback is dropped). */
  readonly secretOf: (appId: string) => Promise<string | undefined>;
  /** POSTs and returns the HTTP status; throws on network errors and timeouts (the caller bounds it). */
  readonly post: (url: string, body: string, headers: Record<string, string>) => Promise<number>;
  readonly onResult?: (ok: boolean) => void;
  /** First retry delay, doubled per attempt up to retryMaxDelayMs (default 1 s). */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** Attempts per callback before it is dead-lettered (default MAX_CALLBACK_ATTEMPTS). */
  readonly maxAttempts?: number;
  /** Stores callbacks whose attempts ran out (without it they are dropped). */
  readonly deadLetter?: (entries: readonly DeadCallback[]) => Promise<void>;
  readonly onDeadLettered?: (count: number) => void;
  /** Per-host concurrency; a callback that waits too long for its host is deferred (not counted as an attempt). */
  readonly hostLimiter?: HostLimiter;
  /** Wait before a deferred callback is tried again, ms (default retryBaseDelayMs). */
  readonly deferDelayMs?: number;
}

type Result = { kind: 'ok' } | { kind: 'failed'; error: string } | { kind: 'deferred' } | { kind: 'dropped' };

export async function deliverCallbacks(
  jobId: string,
  callbacks: readonly CallbackRecord[],
  attempt: number,
  deps: NotifyDeps,
): Promise<void> {
  const secrets = new Map<string, Promise<string | undefined>>();
  const secretOf = (appId: string) => {
    let secret = secrets.get(appId);
    if (!secret) secrets.set(appId, (secret = deps.secretOf(appId)));
    return secret;
  };
  const results = await Promise.all(callbacks.map((callback) => deliverOne(callback, secretOf, deps)));

  const baseDelayMs = deps.retryBaseDelayMs ?? 1000;
  const maxAttempts = deps.maxAttempts ?? MAX_CALLBACK_ATTEMPTS;
  const retry: CallbackRecord[] = [];
  const deferred: CallbackRecord[] = [];
  const dead: DeadCallback[] = [];
  results.forEach((result, i) => {
    const callback = callbacks[i]!;
    if (result.kind === 'deferred') deferred.push(callback);
    if (result.kind !== 'failed') return;
    if (attempt + 1 < maxAttempts) retry.push(callback);
    else dead.push({ appId: callback.appId, kind: callback.kind ?? 'status', url: callback.url, body: callback.body, attempts: attempt + 1, lastError: result.error });
  });

  const delayMs = Math.min(deps.retryMaxDelayMs ?? MAX_CALLBACK_DELAY_MS, baseDelayMs * 2 ** attempt);
  await Promise.all([
    ...retry.map((callback, i) => deps.queues.callbacks(`${jobId}:r${attempt + 1}:${i}`, [callback], { delayMs, attempt: attempt + 1 })),
    ...(deferred.length > 0
      ? [deps.queues.callbacks(`notify:${randomUUID()}`, deferred, { delayMs: deps.deferDelayMs ?? baseDelayMs, attempt })]
      : []),
  ]);
  if (dead.length > 0 && deps.deadLetter) {
    await deps.deadLetter(dead);
    deps.onDeadLettered?.(dead.length);
  }
}

async function deliverOne(
  callback: CallbackRecord,
  secretOf: (appId: string) => Promise<string | undefined>,
  deps: NotifyDeps,
): Promise<Result> {
  const secret = await secretOf(callback.appId);
  if (secret === undefined) return { kind: 'dropped' };
  const release = await deps.hostLimiter?.acquire(callback.url);
  if (deps.hostLimiter && !release) return { kind: 'deferred' };
  try {
    const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(callback.body, secret) };
    const result: Result = await deps.post(callback.url, callback.body, headers).then(
      (status): Result => (status >= 200 && status < 300 ? { kind: 'ok' } : { kind: 'failed', error: `HTTP ${status}` }),
      (error: unknown): Result => ({ kind: 'failed', error: describe(error) }),
    );
    deps.onResult?.(result.kind === 'ok');
    // A timed-out POST's socket is torn down as it fails; give the host a moment to see it close
    // before the next callback takes the slot, so the host never sees more than its share open.
    if (result.kind === 'failed' && release) setTimeout(release, FAILED_SLOT_HOLD_MS).unref();
    else release?.();
    return result;
  } catch (error) {
    release?.();
    throw error;
  }
}

/** The dead letter's lastError: 'timeout', 'HTTP <status>', or the network error (fetch's cause code, e.g. ECONNREFUSED). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return (detail ? `${error.message}: ${detail}` : error.message).slice(0, 200);
}
