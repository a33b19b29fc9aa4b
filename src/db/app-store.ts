/** Applications: credentials (hashed), limits and URLs. */
import { hashPassword, hashSecret, newAppSecret, newSmppPassword, newSmppSystemId } from '../core/credentials';
import type { App } from '../pipeline/types';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query } from './sql';
import type { SecretBox } from './secret-box';

export interface NewApp {
  readonly accountId: string;
  readonly name: string;
  readonly throughputPerSecond?: number;
  readonly callbackUrl?: string | null;
  readonly moUrl?: string | null;
  readonly senders?: readonly string[];
  /** Messages per calendar month (UTC); null or absent = no quota. */
  readonly monthlyQuota?: number | null;
}

/** Settings changed after creation (PATCH /apps/:appId); absent fields stay as they are. */
export interface AppSettingsPatch {
  readonly throughputPerSecond?: number;
  readonly callbackUrl?: string | null;
  readonly moUrl?: string | null;
  readonly senders?: readonly string[];
  readonly monthlyQuota?: number | null;
}

/**
 * The outcome of a settings change: `limit-raise` when the caller may only
 * lower limits (`lowerLimitsOnly`) and the patch raises throughputPerSecond
 * or the monthly quota (or removes the quota); nothing is changed then.
 */
export type AppUpdate =
  | { readonly kind: 'updated'; readonly app: App }
  | { readonly kind: 'no-app' }
  | { readonly kind: 'limit-raise'; readonly field: 'throughputPerSecond' | 'monthlyQuota'; readonly current: number | null };

export interface CreatedApp {
  readonly app: App;
  /** Shown once, never stored in the clear. */
  readonly secret: string;
  readonly smppSystemId: string;
  readonly smppPassword: string;
}

export interface AppCredentials {
  readonly app: App;
  readonly secretHash: Buffer;
  readonly smppSystemId: string;
  readonly smppPasswordHash: string;
}

interface AppRow {
  id: string;
  account_id: string;
  name: string;
  secret_hash: Buffer;
  signing_secret: string;
  smpp_system_id: string;
  smpp_password_hash: string;
  throughput_per_second: number;
  callback_url: string | null;
  mo_url: string | null;
  senders: string[];
  monthly_quota?: number | null;
}

const toApp = (r: AppRow): App => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  throughputPerSecond: r.throughput_per_second,
  callbackUrl: r.callback_url,
  moUrl: r.mo_url,
  senders: r.senders,
  monthlyQuota: r.monthly_quota ?? null,
});

const toCredentials = (r: AppRow): AppCredentials => ({
  app: toApp(r),
  secretHash: r.secret_hash,
  smppSystemId: r.smpp_system_id,
  smppPasswordHash: r.smpp_password_hash,
});

export class AppStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** With `actor`, the creation is recorded in the audit trail in the same transaction. */
  async create(input: NewApp, actor?: string): Promise<CreatedApp> {
    const secret = newAppSecret();
    const smppPassword = newSmppPassword();
    const passwordHash = await hashPassword(smppPassword);
    for (let attempt = 0; ; attempt++) {
      const smppSystemId = newSmppSystemId();
      try {
        return await this.db.transaction(async (trx) => {
          const rows = await query<AppRow>(trx, 
            `INSERT INTO apps (account_id, name, secret_hash, signing_secret, smpp_system_id, smpp_password_hash,
                               throughput_per_second, callback_url, mo_url, senders, monthly_quota)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?) RETURNING *`,
            [
              input.accountId,
              input.name,
              hashSecret(secret),
              this.box.seal(secret),
              smppSystemId,
              passwordHash,
              input.throughputPerSecond ?? 100,
              input.callbackUrl ?? null,
              input.moUrl ?? null,
              [...(input.senders ?? [])],
              input.monthlyQuota ?? null,
            ],
          );
          const app = toApp(rows[0]!);
          if (actor) await recordAudit(trx, { actor, action: 'create', entity: 'app', entityId: app.id, after: { ...app, smppSystemId } });
          return { app, secret, smppSystemId, smppPassword };
        });
      } catch (error) {
        // A system_id collision (36^10 space) is retried; anything else is real.
        if ((error as { constraint?: string }).constraint !== 'apps_smpp_system_id_key' || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Changes an app's limits and URLs in one transaction with its audit row
   * (before and after of the fields changed). The row is locked, so the
   * lower-only check and the change see the same values.
   */
  async updateSettings(appId: string, patch: AppSettingsPatch, actor: string, options: { lowerLimitsOnly: boolean }): Promise<AppUpdate> {
    return this.db.transaction(async (trx) => {
      const rows = await query<AppRow>(trx, 'SELECT * FROM apps WHERE id = ? FOR NO KEY UPDATE', [appId]);
      if (!rows[0]) return { kind: 'no-app' } as const;
      const before = toApp(rows[0]);
      if (options.lowerLimitsOnly) {
        if (patch.throughputPerSecond !== undefined && patch.throughputPerSecond > before.throughputPerSecond) {
          return { kind: 'limit-raise', field: 'throughputPerSecond', current: before.throughputPerSecond } as const;
        }
        const quota = patch.monthlyQuota;
        const current = before.monthlyQuota ?? null;
        if (quota !== undefined && current !== null && (quota === null || quota > current)) return { kind: 'limit-raise', field: 'monthlyQuota', current } as const;
      }
      const columns: Array<[keyof AppSettingsPatch, string, unknown]> = [
        ['throughputPerSecond', 'throughput_per_second = ?', patch.throughputPerSecond],
        ['callbackUrl', 'callback_url = ?', patch.callbackUrl],
        ['moUrl', 'mo_url = ?', patch.moUrl],
        ['senders', 'senders = ?::text[]', patch.senders === undefined ? undefined : [...patch.senders]],
        ['monthlyQuota', 'monthly_quota = ?', patch.monthlyQuota],
      ];
      const changed = columns.filter(([, , value]) => value !== undefined);
      if (changed.length === 0) return { kind: 'updated', app: before } as const;
      const updated = await query<AppRow>(trx, `UPDATE apps SET ${changed.map(([, sql]) => sql).join(', ')} WHERE id = ? RETURNING *`, [
        ...changed.map(([, , value]) => value),
        appId,
      ]);
      const app = toApp(updated[0]!);
      const pick = (a: App) => Object.fromEntries(changed.map(([field]) => [field, a[field] ?? null]));
      await recordAudit(trx, { actor, action: 'update', entity: 'app', entityId: appId, before: pick(before), after: pick(app) });
      return { kind: 'updated', app } as const;
    });
  }

  async credentials(appId: string): Promise<AppCredentials | undefined> {
    const rows = await query<AppRow>(this.db, 'SELECT * FROM apps WHERE id = ?', [appId]);
    return rows[0] && toCredentials(rows[0]);
  }

  async bySystemId(systemId: string): Promise<AppCredentials | undefined> {
    const rows = await query<AppRow>(this.db, 'SELECT * FROM apps WHERE smpp_system_id = ?', [systemId]);
    return rows[0] && toCredentials(rows[0]);
  }

  /** The secret that signs callbacks (decrypted); undefined when the app is gone. */
  async signingSecret(appId: string): Promise<string | undefined> {
    const rows = await query<{ signing_secret: string }>(this.db, 'SELECT signing_secret FROM apps WHERE id = ?', [appId]);
    return rows[0] ? this.box.open(rows[0].signing_secret) : undefined;
  }

  /** Replaces an app's secret (e.g. the demo app at each `npm start`); returns the new one. */
  async rotateSecret(appId: string): Promise<string> {
    const secret = newAppSecret();
    await exec(this.db, 'UPDATE apps SET secret_hash = ?, signing_secret = ? WHERE id = ?', [hashSecret(secret), this.box.seal(secret), appId]);
    return secret;
  }

  /** Rotation asked for by a caller: audited (never the secret itself); undefined when there is no such app. */
  async rotateSecretAudited(appId: string, actor: string): Promise<string | undefined> {
    const secret = newAppSecret();
    return this.db.transaction(async (trx) => {
      const rows = await query<{ id: string }>(trx, 'UPDATE apps SET secret_hash = ?, signing_secret = ? WHERE id = ? RETURNING id', [
        hashSecret(secret),
        this.box.seal(secret),
        appId,
      ]);
      if (!rows[0]) return undefined;
      await recordAudit(trx, { actor, action: 'rotate', entity: 'key', entityId: appId, detail: { what: 'app secret' } });
      return secret;
    });
  }

  async listByAccount(accountId: string): Promise<App[]> {
    const rows = await query<AppRow>(this.db, 'SELECT * FROM apps WHERE account_id = ? ORDER BY created_at, id', [accountId]);
    return rows.map(toApp);
  }

  async accountOf(appId: string): Promise<string | undefined> {
    const rows = await query<{ account_id: string }>(this.db, 'SELECT account_id FROM apps WHERE id = ?', [appId]);
    return rows[0]?.account_id;
  }

  async findByName(accountId: string, name: string): Promise<App | undefined> {
    const rows = await query<AppRow>(this.db, 'SELECT * FROM apps WHERE account_id = ? AND name = ? LIMIT 1', [accountId, name]);
    return rows[0] ? toApp(rows[0]) : undefined;
  }
}
