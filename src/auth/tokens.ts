/**
 * Access and opaque tokens.
 *
 * Access tokens are JWTs (HS256, signed with jose) carrying sub (user id),
 * role, jti and exp; they are short-lived (ACCESS_TOKEN_TTL_S, default 900 s).
 * Every process of a deployment must verify every other's tokens, so the key
 * is shared: JWT_SECRET when set, else derived from ADMIN_TOKEN with HKDF
 * (the launcher and docker-compose already give every process the same
 * ADMIN_TOKEN). Changing either invalidates every access token in flight;
 * refresh tokens are opaque and live in PostgreSQL, so sessions survive.
 *
 * Refresh and password-reset tokens are 256-bit random strings, stored only
 * as their SHA-256 (high entropy, so a fast hash is right).
 */
import { createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { UserRole } from './roles';

const ISSUER = 'smsgw';
const AUDIENCE = 'smsgw-api';

/** The HS256 key: JWT_SECRET's bytes, or HKDF-SHA256(ADMIN_TOKEN) when it is unset. */
export function jwtKey(jwtSecret: string | undefined, adminToken: string): Uint8Array {
  if (jwtSecret) return new Uint8Array(Buffer.from(jwtSecret, 'utf8'));
  return new Uint8Array(hkdfSync('sha256', Buffer.from(adminToken, 'utf8'), Buffer.from('smsgw'), Buffer.from('smsgw access-token key v1'), 32));
}

export interface AccessClaims {
  readonly userId: string;
  readonly role: UserRole;
  readonly jti: string;
  readonly expiresAt: Date;
}

export async function signAccessToken(key: Uint8Array, userId: string, role: UserRole, ttlSeconds: number, now: Date): Promise<{ token: string; claims: AccessClaims }> {
  const jti = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = await new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
  return { token, claims: { userId, role, jti, expiresAt: new Date(exp * 1000) } };
}

/** The claims of a valid token; undefined when it is malformed, badly signed or expired. */
export async function verifyAccessToken(key: Uint8Array, token: string, now: Date): Promise<AccessClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'jti', 'exp'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return undefined;
    return { userId: payload.sub, role: payload.role as UserRole, jti: payload.jti, expiresAt: new Date(payload.exp * 1000) };
  } catch {
    return undefined;
  }
}

/** A JWT has three base64url segments; anything else is not worth verifying. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

export function newOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
