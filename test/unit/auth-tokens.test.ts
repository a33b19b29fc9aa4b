import { describe, expect, it } from 'vitest';
import { jwtKey, looksLikeJwt, newOpaqueToken, signAccessToken, tokenHash, verifyAccessToken } from '../../src/auth/tokens';
import { compilePath } from '../../src/http/authorize';

const now = new Date('2026-11-24T12:00:00Z');

describe('access tokens', () => {
  it('verify with the key that signed them, until they expire', async () => {
    const key = jwtKey(undefined, 'admin-token-0123456789');
    const { token, claims } = await signAccessToken(key, 'u1', 'finance', 900, now);
    expect(looksLikeJwt(token)).toBe(true);
    expect(await verifyAccessToken(key, token, new Date(now.getTime() + 899_000))).toEqual(claims);
    expect(claims).toMatchObject({ userId: 'u1', role: 'finance', expiresAt: new Date(now.getTime() + 900_000) });
    expect(await verifyAccessToken(key, token, new Date(now.getTime() + 901_000))).toBeUndefined();
  });

  it('fail with another key, a tampered payload, or alg none', async () => {
    const key = jwtKey(undefined, 'admin-token-0123456789');
    const { token } = await signAccessToken(key, 'u1', 'customer', 900, now);
    expect(await verifyAccessToken(jwtKey(undefined, 'another-admin-token-xx'), token, now)).toBeUndefined();
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
    expect(await verifyAccessToken(key, `${h}.${forged}.${s}`, now)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(await verifyAccessToken(key, `${none}.${p}.`, now)).toBeUndefined();
  });

  it('use JWT_SECRET when set, else a key derived from ADMIN_TOKEN that every process derives alike', () => {
    expect(Buffer.from(jwtKey(undefined, 'admin-token-0123456789'))).toEqual(Buffer.from(jwtKey(undefined, 'admin-token-0123456789')));
    expect(Buffer.from(jwtKey(undefined, 'admin-token-0123456789'))).not.toEqual(Buffer.from(jwtKey(undefined, 'admin-token-9876543210')));
    // The derived key is not the admin token itself.
    expect(Buffer.from(jwtKey(undefined, 'admin-token-0123456789')).toString('utf8')).not.toContain('admin-token');
    expect(Buffer.from(jwtKey('s'.repeat(32), 'admin-token-0123456789')).toString('utf8')).toBe('s'.repeat(32));
  });

  it('opaque tokens are random and stored as their SHA-256', () => {
    const a = newOpaqueToken('rt');
    expect(a).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(newOpaqueToken('rt'));
    expect(tokenHash(a)).toHaveLength(32);
  });
});

describe('route paths', () => {
  it('match their own parameters and nothing longer', () => {
    const { regex, params } = compilePath('/api/v1/accounts/:id/credit');
    expect(params).toEqual(['id']);
    expect(regex.exec('/api/v1/accounts/abc/credit')?.[1]).toBe('abc');
    expect(regex.test('/api/v1/accounts/abc/credit/')).toBe(true);
    expect(regex.test('/api/v1/accounts/abc')).toBe(false);
    expect(regex.test('/api/v1/accounts/a/b/credit')).toBe(false);
    expect(compilePath('/api/v1/accounts/:id').regex.test('/api/v1/accounts/abc/ledger')).toBe(false);
  });
});
