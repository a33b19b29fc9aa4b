/**
 * Checks bind credentials: system_id -> app, password -> scrypt hash.
 *
 * scrypt costs tens of milliseconds of CPU, so:
 * - a successful verification is cached for `cacheTtlMs` (default 60 s),
 *   keyed by system_id and the SHA-256 of the password (never the password),
 *   so a rebind storm of one client costs one scrypt;
 * - at most `maxConcurrentVerifications` (default 2) run at once and at most
 *   `maxQueuedVerifications` (default 200) wait; beyond that a bind is
 *   refused with ESME_RBINDFAIL at once rather than queueing CPU work;
 * - identical credentials being checked already share that check (an ESME
 *   opening several binds at once costs one lookup and one scrypt), and one
 *   source address has at most `maxPendingPerAddress` (default 4) distinct
 *   checks (database lookup + scrypt) under way; more binds from it are
 *   refused with ESME_RBINDFAIL after `busyDelayMs`. The lockout counts
 *   failures only once they are known, so without this a burst of parallel
 *   binds from one address would queue a lookup and a check per connection
 *   before the lockout could start, and starve the database pool.
 * Failed attempts go through the LoginGuard (delay, then lockout).
 */
import { createHash } from 'node:crypto';
import { verifyPassword } from '../../core/credentials';
import type { App } from '../../pipeline/types';
import { COMMAND_STATUS } from '../codec';
import { LoginGuard } from './login-guard';

export interface BindCredentialSource {
  bySystemId(systemId: string): Promise<{ app: App; smppPasswordHash: string } | undefined>;
}

type CheckOutcome =
  | { readonly kind: 'ok'; readonly app: App }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'busy' };

export type BindVerdict = { readonly ok: true; readonly app: App } | { readonly ok: false; readonly commandStatus: number; readonly delayMs: number };

export interface BindAuthenticatorOptions {
  readonly cacheTtlMs?: number;
  readonly maxConcurrentVerifications?: number;
  readonly maxQueuedVerifications?: number;
  /** Distinct credential checks (lookup + scrypt) under way for one source address, at most (default 4). */
  readonly maxPendingPerAddress?: number;
  /** How late a bind refused for that limit is answered, ms (default 1_000). */
  readonly busyDelayMs?: number;
  readonly guard?: LoginGuard;
  readonly nowMs?: () => number;
  /** The password check; scrypt by default (tests count calls). */
  readonly verify?: (password: string, stored: string) => Promise<boolean>;
}

export class BindAuthenticator {
  readonly guard: LoginGuard;
  private readonly cache = new Map<string, { app: App; expiresMs: number }>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Checks under way by credentials (system_id and password hash): identical binds share one. */
  private readonly checking = new Map<string, Promise<CheckOutcome>>();
  /** Distinct checks under way per source address. */
  private readonly pendingByAddress = new Map<string, number>();
  private readonly maxPendingPerAddress: number;
  private readonly busyDelayMs: number;
  private readonly cacheTtlMs: number;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly nowMs: () => number;
  private readonly verify: (password: string, stored: string) => Promise<boolean>;

  constructor(
    private readonly source: BindCredentialSource,
    options: BindAuthenticatorOptions = {},
  ) {
    this.guard = options.guard ?? new LoginGuard();
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.maxConcurrent = options.maxConcurrentVerifications ?? 2;
    this.maxQueued = options.maxQueuedVerifications ?? 200;
    this.maxPendingPerAddress = options.maxPendingPerAddress ?? 4;
    this.busyDelayMs = options.busyDelayMs ?? 1_000;
    this.nowMs = options.nowMs ?? Date.now;
    this.verify = options.verify ?? verifyPassword;
  }

  async authenticate(address: string, systemId: string, password: string): Promise<BindVerdict> {
    const key = LoginGuard.key(address, systemId);
    if (this.guard.lockedForMs(key) > 0) return { ok: false, commandStatus: COMMAND_STATUS.ESME_RBINDFAIL, delayMs: 0 };
    const cacheKey = `${systemId}\u0000${createHash('sha256').update(password).digest('base64')}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresMs > this.nowMs()) {
      this.guard.success(key);
      return { ok: true, app: cached.app };
    }
    let check = this.checking.get(cacheKey);
    if (!check) {
      // Before the database lookup: a flood from one address costs at most this many lookups and
      // password checks at a time, and a refused bind answers late so the client cannot spin.
      const pending = this.pendingByAddress.get(address) ?? 0;
      if (pending >= this.maxPendingPerAddress) return { ok: false, commandStatus: COMMAND_STATUS.ESME_RBINDFAIL, delayMs: this.busyDelayMs };
      this.pendingByAddress.set(address, pending + 1);
      check = this.check(systemId, password).finally(() => {
        this.checking.delete(cacheKey);
        const left = (this.pendingByAddress.get(address) ?? 1) - 1;
        if (left > 0) this.pendingByAddress.set(address, left);
        else this.pendingByAddress.delete(address);
      });
      this.checking.set(cacheKey, check);
    }
    const outcome = await check;
    switch (outcome.kind) {
      case 'unknown':
        return { ok: false, commandStatus: COMMAND_STATUS.ESME_RINVSYSID, delayMs: this.guard.failure(key) };
      case 'busy':
        return { ok: false, commandStatus: COMMAND_STATUS.ESME_RBINDFAIL, delayMs: 0 };
      case 'mismatch':
        return { ok: false, commandStatus: COMMAND_STATUS.ESME_RINVPASWD, delayMs: this.guard.failure(key) };
      case 'ok':
        this.guard.success(key);
        this.remember(cacheKey, outcome.app);
        return { ok: true, app: outcome.app };
    }
  }

  /** The lookup and the password check of one (system_id, password), shared by identical binds under way. */
  private async check(systemId: string, password: string): Promise<CheckOutcome> {
    const found = systemId ? await this.source.bySystemId(systemId) : undefined;
    if (!found) return { kind: 'unknown' };
    if (this.running >= this.maxConcurrent && this.waiting.length >= this.maxQueued) return { kind: 'busy' };
    const matches = await this.limited(() => this.verify(password, found.smppPasswordHash));
    return matches ? { kind: 'ok', app: found.app } : { kind: 'mismatch' };
  }

  private remember(cacheKey: string, app: App): void {
    this.cache.set(cacheKey, { app, expiresMs: this.nowMs() + this.cacheTtlMs });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing verification hands its slot to the next waiter, so `running` never exceeds the limit.
    if (this.running >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
