/**
 * Users and sessions on a real gateway: register, login, refresh rotation
 * (reuse revokes the session), logout (access and refresh tokens revoked),
 * password reset, staff users created by an admin, and ADMIN_TOKEN still
 * working as admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, request, startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
const resets: Array<{ email: string; token: string }> = [];

beforeAll(async () => {
  t = await startTestGateway({ deliverPasswordReset: (email, token) => resets.push({ email, token }) });
});

afterAll(async () => {
  await t?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const call = (method: string, path: string, body?: unknown, token?: string) =>
  request(t.base, method, path, { body, headers: token ? bearer(token) : {} });

describe('a customer', () => {
  it('registers (owning a new account), logs in, and reads its own account with the access token', async () => {
    const reg = await call('POST', '/api/v1/auth/register', { email: 'Ana@Example.com', password: 'correct horse battery', name: 'Ana' });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({ userId: expect.any(String), accountId: expect.any(String) });

    const again = await call('POST', '/api/v1/auth/register', { email: 'ana@example.com', password: 'another password', name: 'Ana 2' });
    expect(again.status).toBe(409);

    const login = await call('POST', '/api/v1/auth/login', { email: 'ana@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });

    const me = await call('GET', '/api/v1/auth/me', undefined, login.body.accessToken);
    expect(me.body).toMatchObject({ kind: 'user', role: 'customer', userId: reg.body.userId, accountId: reg.body.accountId });
    const account = await call('GET', `/api/v1/accounts/${reg.body.accountId}`, undefined, login.body.accessToken);
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ id: reg.body.accountId, balance: 0 });
  });

  it('is refused with a wrong password, an unknown email, or a tampered token', async () => {
    await call('POST', '/api/v1/auth/register', { email: 'bob@example.com', password: 'bobs long password', name: 'Bob' });
    expect((await call('POST', '/api/v1/auth/login', { email: 'bob@example.com', password: 'wrong password!' })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/login', { email: 'nobody@example.com', password: 'whatever it is' })).status).toBe(401);
    const login = await call('POST', '/api/v1/auth/login', { email: 'bob@example.com', password: 'bobs long password' });
    const [h, p, s] = (login.body.accessToken as string).split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await call('GET', '/api/v1/auth/me', undefined, tampered)).status).toBe(401);
  });

  it('refreshes once per refresh token; replaying a used one revokes the whole session', async () => {
    await call('POST', '/api/v1/auth/register', { email: 'cy@example.com', password: 'cys long password', name: 'Cy' });
    const login = await call('POST', '/api/v1/auth/login', { email: 'cy@example.com', password: 'cys long password' });
    const first = await call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(login.body.refreshToken);
    expect((await call('GET', '/api/v1/auth/me', undefined, first.body.accessToken)).status).toBe(200);

    // The spent token again: refused, and the newer token of the same session dies with it.
    expect((await call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/refresh', { refreshToken: first.body.refreshToken })).status).toBe(401);
  });

  it('logs out: the access token and the refresh token stop working at once', async () => {
    await call('POST', '/api/v1/auth/register', { email: 'di@example.com', password: 'dis long password', name: 'Di' });
    const login = await call('POST', '/api/v1/auth/login', { email: 'di@example.com', password: 'dis long password' });
    const out = await call('POST', '/api/v1/auth/logout', { refreshToken: login.body.refreshToken }, login.body.accessToken);
    expect(out.status).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', undefined, login.body.accessToken)).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(401);
  });

  it('resets a forgotten password with a one-time token; old sessions end', async () => {
    await call('POST', '/api/v1/auth/register', { email: 'eve@example.com', password: 'eves old password', name: 'Eve' });
    const login = await call('POST', '/api/v1/auth/login', { email: 'eve@example.com', password: 'eves old password' });
    // Unknown emails get the same answer, and no token.
    expect((await call('POST', '/api/v1/auth/password-reset', { email: 'ghost@example.com' })).status).toBe(202);
    expect((await call('POST', '/api/v1/auth/password-reset', { email: 'eve@example.com' })).status).toBe(202);
    expect(resets.map((r) => r.email)).toEqual(['eve@example.com']);
    const token = resets[0]!.token;

    expect((await call('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'eves new password' })).status).toBe(204);
    expect((await call('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'eves newer password' })).status).toBe(400);
    expect((await call('POST', '/api/v1/auth/login', { email: 'eve@example.com', password: 'eves old password' })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/login', { email: 'eve@example.com', password: 'eves new password' })).status).toBe(200);
    expect((await call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(401);
  });

  it('stores the password with scrypt, never in the clear', async () => {
    const { rows } = await t.gw.db.raw(`SELECT password_hash FROM users WHERE email = 'ana@example.com'`);
    expect(rows[0].password_hash).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain('correct horse');
  });
});

describe('staff users', () => {
  it('are created by an admin (the ADMIN_TOKEN or an admin user) and not by anyone else', async () => {
    const admin = await t.admin('POST', '/api/v1/users', { email: 'root@example.com', password: 'root long password', name: 'Root', role: 'admin' });
    expect(admin.status).toBe(201);
    expect(admin.body).toMatchObject({ role: 'admin', accountId: null });
    const rootLogin = await call('POST', '/api/v1/auth/login', { email: 'root@example.com', password: 'root long password' });
    const reviewer = await call('POST', '/api/v1/users', { email: 'rev@example.com', password: 'reviewer password', name: 'Rev', role: 'reviewer' }, rootLogin.body.accessToken);
    expect(reviewer.status).toBe(201);

    const revLogin = await call('POST', '/api/v1/auth/login', { email: 'rev@example.com', password: 'reviewer password' });
    const denied = await call('POST', '/api/v1/users', { email: 'x@example.com', password: 'xxxxxxxxxxxx', name: 'X', role: 'admin' }, revLogin.body.accessToken);
    expect(denied.status).toBe(403);
    // Staff roles only: a customer is made by registering.
    expect((await t.admin('POST', '/api/v1/users', { email: 'c@example.com', password: 'cccccccccccc', name: 'C', role: 'customer' })).status).toBe(400);
  });

  it('a disabled user loses its sessions at once', async () => {
    const created = await t.admin('POST', '/api/v1/users', { email: 'fin@example.com', password: 'finance password', name: 'Fin', role: 'finance' });
    const login = await call('POST', '/api/v1/auth/login', { email: 'fin@example.com', password: 'finance password' });
    expect((await call('GET', '/api/v1/auth/me', undefined, login.body.accessToken)).body.role).toBe('finance');
    expect((await t.admin('PATCH', `/api/v1/users/${created.body.id}`, { disabled: true })).status).toBe(200);
    expect((await call('GET', '/api/v1/auth/me', undefined, login.body.accessToken)).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/login', { email: 'fin@example.com', password: 'finance password' })).status).toBe(401);
  });

  it('ADMIN_TOKEN keeps working as admin for automation', async () => {
    const me = await request(t.base, 'GET', '/api/v1/auth/me', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(me.body).toMatchObject({ kind: 'admin-token', role: 'admin', actor: 'operator' });
    expect((await t.admin('POST', '/api/v1/accounts', { name: 'by-token' })).status).toBe(201);
  });
});
