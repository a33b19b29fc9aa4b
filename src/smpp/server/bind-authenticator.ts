/**
 * Checks bind credentials: system_id -> app, password -> scrypt hash.
 *
 * scrypt costs tens of milliseconds of CPU, so:
 * - a successful verification is cached for `cacheTtlMs` (default 60 s),
 *   keyed by system_id and the SHA-256 of the password (never the password),
 *   so a rebind storm of one client costs one scrypt;
 * - at most `maxConcurrentVerifications` (default 2) run at once and at most
 *   `maxQueuedVerifications` (default 200) wait; beyond that a bind is
 *   refused with ESME_RBINDFAIL at once rather than queueing CPU work.
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

export type BindVerdict = { readonly ok: true; readonly app: App } | { readonly ok: false; readonly commandStatus: number; readonly delayMs: number };

export interface BindAuthenticatorOptions {
  readonly cacheTtlMs?: number;
  readonly maxConcurrentVerifications?: number;
  readonly maxQueuedVerifications?: number;
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
    const found = systemId ? await this.source.bySystemId(systemId) : undefined;
    if (!found) return { ok: false, commandStatus: COMMAND_STATUS.ESME_RINVSYSID, delayMs: this.guard.failure(key) };
    if (this.running >= this.maxConcurrent && this.waiting.length >= this.maxQueued) {
      return { ok: false, commandStatus: COMMAND_STATUS.ESME_RBINDFAIL, delayMs: 0 };
    }
    const matches = await this.limited(() => this.verify(password, found.smppPasswordHash));
    if (!matches) return { ok: false, commandStatus: COMMAND_STATUS.ESME_RINVPASWD, delayMs: this.guard.failure(key) };
    this.guard.success(key);
    this.remember(cacheKey, found.app);
    return { ok: true, app: found.app };
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
