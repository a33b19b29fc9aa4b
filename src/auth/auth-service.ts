/**
 * Users' sessions: register, login, refresh (rotating), logout (revocation),
 * password reset, and turning a bearer token into a principal. Knows no HTTP.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../core/credentials';
import { GatewayError } from '../core/errors';
import { EmailTakenError, type User, type UserStore } from '../db/user-store';
import type { Principal, UserRole } from './roles';
import { looksLikeJwt, newOpaqueToken, signAccessToken, tokenHash, verifyAccessToken } from './tokens';

export interface AuthOptions {
  readonly key: Uint8Array;
  /** Access token lifetime, seconds (default 900). */
  readonly accessTtlSeconds: number;
  /** Refresh token lifetime, seconds (default 30 days). */
  readonly refreshTtlSeconds: number;
  /** Password reset token lifetime, seconds (default 1 hour). */
  readonly resetTtlSeconds?: number;
  /** Hands a reset token to the user (there is no mailer: the default logs it in development). */
  readonly deliverPasswordReset: (email: string, token: string) => void;
  readonly now: () => Date;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

/** A hash that verifies nothing, so an unknown email costs as much as a wrong password. */
let decoyHash: Promise<string> | undefined;

export class AuthService {
  constructor(
    private readonly users: UserStore,
    private readonly options: AuthOptions,
  ) {}

  async register(input: { email: string; password: string; name: string }): Promise<{ userId: string; accountId: string }> {
    const passwordHash = await hashPassword(input.password);
    try {
      const { user, accountId } = await this.users.registerCustomer({ email: input.email, name: input.name, passwordHash });
      return { userId: user.id, accountId };
    } catch (error) {
      if (error instanceof EmailTakenError) throw new GatewayError('CONFLICT', error.message);
      throw error;
    }
  }

  async createStaff(input: { email: string; password: string; name: string; role: UserRole }, actor: string): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.users.createStaff({ email: input.email, name: input.name, role: input.role, passwordHash }, actor);
    } catch (error) {
      if (error instanceof EmailTakenError) throw new GatewayError('CONFLICT', error.message);
      throw error;
    }
  }

  async login(email: string, password: string): Promise<TokenPair> {
    const user = await this.users.byEmail(email);
    decoyHash ??= hashPassword(randomUUID());
    const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
    if (!user || !matches || user.disabled) throw new GatewayError('UNAUTHENTICATED', 'wrong email or password');
    return this.issue(user.id, user.role, randomUUID());
  }

  /** Exchanges a refresh token for a new pair; the old one is spent. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const outcome = await this.users.useRefreshToken(tokenHash(refreshToken), this.options.now());
    if (outcome.kind !== 'ok') throw new GatewayError('UNAUTHENTICATED', outcome.kind === 'reused' ? 'refresh token already used; its session was revoked' : 'invalid refresh token');
    const user = await this.users.get(outcome.userId);
    if (!user || user.disabled) throw new GatewayError('UNAUTHENTICATED', 'invalid refresh token');
    return this.issue(user.id, user.role, outcome.family);
  }

  async logout(principal: Extract<Principal, { kind: 'user' }>, refreshToken: string | undefined): Promise<void> {
    await this.users.revoke({
      userId: principal.userId,
      jti: principal.jti,
      accessExpiresAt: principal.expiresAt,
      ...(refreshToken ? { refreshHash: tokenHash(refreshToken) } : {}),
    });
  }

  /** Always succeeds from the caller's view, so it never tells whether an email is registered. */
  async requestPasswordReset(email: string): Promise<void> {
    const user = await this.users.byEmail(email);
    if (!user || user.disabled) return;
    const token = newOpaqueToken('pr');
    const expiresAt = new Date(this.options.now().getTime() + (this.options.resetTtlSeconds ?? 3600) * 1000);
    await this.users.savePasswordReset(tokenHash(token), user.id, expiresAt);
    this.options.deliverPasswordReset(user.email, token);
  }

  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const userId = await this.users.resetPassword(tokenHash(token), await hashPassword(password), this.options.now());
    if (!userId) throw new GatewayError('INVALID_REQUEST', 'invalid or expired reset token');
  }

  /** The principal of a user's bearer access token; undefined when the token is not one of ours or not valid now. */
  async principal(token: string): Promise<Principal | undefined> {
    if (!looksLikeJwt(token)) return undefined;
    const claims = await verifyAccessToken(this.options.key, token, this.options.now());
    if (!claims) return undefined;
    const session = await this.users.sessionOf(claims.userId, claims.jti);
    if (!session) return undefined;
    return {
      kind: 'user',
      role: session.role,
      actor: `user:${claims.userId}`,
      userId: claims.userId,
      accountId: session.accountId,
      jti: claims.jti,
      expiresAt: claims.expiresAt,
    };
  }

  private async issue(userId: string, role: UserRole, family: string): Promise<TokenPair> {
    const now = this.options.now();
    const access = await signAccessToken(this.options.key, userId, role, this.options.accessTtlSeconds, now);
    const refreshToken = newOpaqueToken('rt');
    await this.users.saveRefreshToken(tokenHash(refreshToken), userId, family, new Date(now.getTime() + this.options.refreshTtlSeconds * 1000));
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: this.options.accessTtlSeconds };
  }
}
