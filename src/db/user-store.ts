/**
 * Users, refresh tokens, revoked access tokens and password resets. Tokens
 * are stored as SHA-256 hashes only (see src/auth/tokens.ts).
 */
import type { UserRole } from '../auth/roles';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query, type Executor } from './sql';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: UserRole;
  readonly accountId: string | null;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: UserRole;
  account_id: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  accountId: r.account_id,
  disabled: r.disabled_at !== null,
  createdAt: r.created_at,
});

/** What the audit trail shows of a user (never the password hash). */
export const auditUser = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role, accountId: u.accountId, disabled: u.disabled });

const UNIQUE_VIOLATION = '23505';

export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
}

export type RefreshOutcome =
  | { readonly kind: 'ok'; readonly userId: string; readonly family: string }
  /** Unknown, expired or revoked. */
  | { readonly kind: 'invalid' }
  /** Already used: the family was revoked (a stolen token was replayed, or a client raced itself). */
  | { readonly kind: 'reused' };

export class UserStore {
  constructor(private readonly db: Db) {}

  /** A customer and the account it owns, in one transaction. */
  async registerCustomer(input: { email: string; name: string; passwordHash: string }): Promise<{ user: User; accountId: string }> {
    return this.db.transaction(async (trx) => {
      const accounts = await query<{ id: string }>(trx, 'INSERT INTO accounts (name) VALUES (?) RETURNING id', [input.name]);
      const accountId = accounts[0]!.id;
      const user = await this.insert(trx, { ...input, role: 'customer', accountId });
      await recordAudit(trx, { actor: `user:${user.id}`, action: 'register', entity: 'user', entityId: user.id, after: auditUser(user) });
      await recordAudit(trx, { actor: `user:${user.id}`, action: 'create', entity: 'account', entityId: accountId, after: { id: accountId, name: input.name, balance: 0 } });
      return { user, accountId };
    });
  }

  /** A staff user (admin, reviewer, finance) created by an admin. */
  async createStaff(input: { email: string; name: string; passwordHash: string; role: UserRole }, actor: string): Promise<User> {
    return this.db.transaction(async (trx) => {
      const user = await this.insert(trx, { ...input, accountId: null });
      await recordAudit(trx, { actor, action: 'create', entity: 'user', entityId: user.id, after: auditUser(user) });
      return user;
    });
  }

  private async insert(trx: Executor, input: { email: string; name: string; passwordHash: string; role: UserRole; accountId: string | null }): Promise<User> {
    try {
      const rows = await query<UserRow>(
        trx,
        'INSERT INTO users (email, name, password_hash, role, account_id) VALUES (?, ?, ?, ?, ?) RETURNING *',
        [input.email, input.name, input.passwordHash, input.role, input.accountId],
      );
      return toUser(rows[0]!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new EmailTakenError('a user with this email exists');
      throw error;
    }
  }

  async byEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
    const rows = await query<UserRow>(this.db, 'SELECT * FROM users WHERE lower(email) = lower(?)', [email]);
    return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : undefined;
  }

  async get(id: string): Promise<User | undefined> {
    const rows = await query<UserRow>(this.db, 'SELECT * FROM users WHERE id = ?', [id]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async list(options: { cursor?: string; limit: number }): Promise<{ items: User[]; nextCursor: string | null }> {
    const rows = await query<UserRow>(
      this.db,
      'SELECT * FROM users WHERE (?::uuid IS NULL OR id > ?) ORDER BY id LIMIT ?',
      [options.cursor ?? null, options.cursor ?? null, options.limit + 1],
    );
    const items = rows.slice(0, options.limit).map(toUser);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1]!.id : null };
  }

  /** Changes a staff user's role or disables / enables a user; disabling revokes its refresh tokens. */
  async update(id: string, patch: { role?: UserRole; disabled?: boolean; name?: string }, actor: string): Promise<User | undefined> {
    return this.db.transaction(async (trx) => {
      const before = await query<UserRow>(trx, 'SELECT * FROM users WHERE id = ? FOR UPDATE', [id]);
      if (!before[0]) return undefined;
      const rows = await query<UserRow>(
        trx,
        `UPDATE users SET role = COALESCE(?, role), name = COALESCE(?, name),
                disabled_at = CASE WHEN ?::boolean IS NULL THEN disabled_at WHEN ?::boolean THEN COALESCE(disabled_at, now()) ELSE NULL END,
                updated_at = now()
          WHERE id = ? RETURNING *`,
        [patch.role ?? null, patch.name ?? null, patch.disabled ?? null, patch.disabled ?? null, id],
      );
      const user = toUser(rows[0]!);
      if (user.disabled) await exec(trx, 'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL', [id]);
      await recordAudit(trx, { actor, action: 'update', entity: 'user', entityId: id, before: auditUser(toUser(before[0])), after: auditUser(user) });
      return user;
    });
  }

  /**
   * What a request with this access token may do now: the user's current
   * role and account, or undefined when the user is gone or disabled or the
   * token was revoked. One indexed round trip.
   */
  async sessionOf(userId: string, jti: string): Promise<{ role: UserRole; accountId: string | null } | undefined> {
    const rows = await query<{ role: UserRole; account_id: string | null; revoked: boolean }>(
      this.db,
      `SELECT u.role, u.account_id, EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = ?) AS revoked
         FROM users u WHERE u.id = ? AND u.disabled_at IS NULL`,
      [jti, userId],
    );
    const row = rows[0];
    if (!row || row.revoked) return undefined;
    return { role: row.role, accountId: row.account_id };
  }

  async saveRefreshToken(hash: Buffer, userId: string, family: string, expiresAt: Date): Promise<void> {
    await exec(this.db, 'INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at) VALUES (?, ?, ?, ?)', [hash, userId, family, expiresAt]);
  }

  /**
   * Uses a refresh token once. A used token presented again revokes its whole
   * family. The row is locked, so two concurrent refreshes cannot both win.
   */
  async useRefreshToken(hash: Buffer, now: Date): Promise<RefreshOutcome> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ user_id: string; family: string; expires_at: Date; used_at: Date | null; revoked_at: Date | null; disabled: boolean }>(
        trx,
        `SELECT t.user_id, t.family, t.expires_at, t.used_at, t.revoked_at, u.disabled_at IS NOT NULL AS disabled
           FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? FOR UPDATE OF t`,
        [hash],
      );
      const row = rows[0];
      if (!row || row.revoked_at || row.disabled || row.expires_at <= now) return { kind: 'invalid' } as const;
      if (row.used_at) {
        await exec(trx, 'UPDATE refresh_tokens SET revoked_at = now() WHERE family = ? AND revoked_at IS NULL', [row.family]);
        return { kind: 'reused' } as const;
      }
      await exec(trx, 'UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?', [now, hash]);
      return { kind: 'ok', userId: row.user_id, family: row.family } as const;
    });
  }

  /** Logout: the refresh token's family ends, and the access token's jti is refused until it expires. */
  async revoke(input: { refreshHash?: Buffer; userId: string; jti?: string; accessExpiresAt?: Date }): Promise<void> {
    await this.db.transaction(async (trx) => {
      if (input.refreshHash) {
        await exec(
          trx,
          `UPDATE refresh_tokens SET revoked_at = now()
            WHERE family = (SELECT family FROM refresh_tokens WHERE token_hash = ? AND user_id = ?) AND revoked_at IS NULL`,
          [input.refreshHash, input.userId],
        );
      }
      if (input.jti && input.accessExpiresAt) {
        await exec(trx, 'INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING', [input.jti, input.accessExpiresAt]);
      }
      // Revocations of tokens that expired anyway are dead weight.
      await exec(trx, 'DELETE FROM revoked_access_tokens WHERE expires_at < now()');
    });
  }

  async savePasswordReset(hash: Buffer, userId: string, expiresAt: Date): Promise<void> {
    await exec(this.db, 'INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?, ?, ?)', [hash, userId, expiresAt]);
  }

  /**
   * Sets a new password with a reset token (once). Every refresh token of the
   * user is revoked: whoever held a session with the old password loses it.
   */
  async resetPassword(hash: Buffer, passwordHash: string, now: Date): Promise<string | undefined> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ user_id: string }>(
        trx,
        `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id`,
        [now, hash, now],
      );
      const userId = rows[0]?.user_id;
      if (!userId) return undefined;
      await exec(trx, 'UPDATE users SET password_hash = ?, updated_at = now() WHERE id = ?', [passwordHash, userId]);
      await exec(trx, 'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL', [userId]);
      await exec(trx, 'UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL', [now, userId]);
      await recordAudit(trx, { actor: `user:${userId}`, action: 'reset-password', entity: 'user', entityId: userId });
      return userId;
    });
  }
}
