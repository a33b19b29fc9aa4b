/**
 * The identity side of the API process, assembled from config: the user
 * store, the auth service (access-token key from JWT_SECRET or derived from
 * ADMIN_TOKEN), the audit reader and app keys. The gateway's composition
 * root calls it; tests pass `deliverPasswordReset` to receive reset tokens.
 */
import type { Config } from '../config/env';
import { listAudit } from '../db/audit-store';
import type { AppStore } from '../db/app-store';
import type { Db } from '../db/knex';
import { UserStore } from '../db/user-store';
import type { Logger } from '../log';
import { AuthService } from './auth-service';
import { jwtKey } from './tokens';

export interface IdentityOptions {
  readonly db: Db;
  readonly apps: AppStore;
  readonly config: Config;
  readonly adminToken: string;
  readonly log: Logger;
  /** Where reset tokens go; default: logged at warn level outside production, dropped in production. */
  readonly deliverPasswordReset?: (email: string, token: string) => void;
}

/** Apps never change account, so the map is a plain bounded cache. */
const MAX_CACHED_APPS = 50_000;

export function createIdentity(options: IdentityOptions) {
  const { db, apps, config, log } = options;
  const users = new UserStore(db);
  const deliver =
    options.deliverPasswordReset ??
    ((email: string, token: string) => {
      // No mailer: in development the token is logged so a developer can finish the flow.
      if (config.development) log.warn({ email, resetToken: token }, 'password reset requested (development: token logged, no mailer configured)');
      else log.info({ email }, 'password reset requested; no mailer configured, token not delivered');
    });
  const auth = new AuthService(users, {
    key: jwtKey(config.jwtSecret, options.adminToken),
    accessTtlSeconds: config.accessTokenTtlSeconds,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    deliverPasswordReset: deliver,
    now: () => new Date(),
  });
  const accountOfApp = new Map<string, string>();
  return {
    auth,
    users,
    audit: { list: (filter: Parameters<typeof listAudit>[1]) => listAudit(db, filter) },
    appKeys: {
      list: (accountId: string) => apps.listByAccount(accountId),
      rotateSecret: (appId: string, actor: string) => apps.rotateSecretAudited(appId, actor),
    },
    async appAccount(appId: string): Promise<string | undefined> {
      const hit = accountOfApp.get(appId);
      if (hit) return hit;
      const account = await apps.accountOf(appId);
      if (account) {
        if (accountOfApp.size >= MAX_CACHED_APPS) accountOfApp.clear();
        accountOfApp.set(appId, account);
      }
      return account;
    },
  };
}
