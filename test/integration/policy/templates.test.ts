/**
 * Templates end to end: an app proposes, the operator approves, a submission
 * names the template and its params; the text is rendered (and reaches the
 * carrier rendered), skips hold rules but not reject rules; the OTP rate
 * policy per destination number refuses the extra message with 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { ledgerOf, rulesInForce, settled } from './rules-helpers';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 10 } });
});

afterAll(async () => {
  await t?.stop();
});

async function approvedTemplate(creds: AppCreds, body: Record<string, unknown>): Promise<string> {
  const created = await t.asApp(creds, 'POST', `/api/v1/apps/${creds.appId}/templates`, body);
  expect(created.status).toBe(201);
  const approved = await t.admin('POST', `/api/v1/templates/${created.body.id}/approve`);
  expect(approved.status).toBe(200);
  return created.body.id;
}

describe('template lifecycle', () => {
  it('an app creates a pending template; it cannot be used until the operator approves it', async () => {
    const { creds } = await t.customer(1000);
    const created = await t.asApp(creds, 'POST', `/api/v1/apps/${creds.appId}/templates`, { name: 'otp', body: 'Your code is {code}' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'otp', body: 'Your code is {code}', status: 'pending', appId: creds.appId, createdBy: `app:${creds.appId}`, params: ['code'], ratePolicy: null });
    const early = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121240000', template: 'otp', params: { code: '1' } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'CONFLICT', details: { status: 'pending' } });

    // An app cannot approve (operator only: 401, or 403 once routes are role-gated), nor touch another app's templates.
    expect([401, 403]).toContain((await t.asApp(creds, 'POST', `/api/v1/templates/${created.body.id}/approve`)).status);
    const other = await t.customer(0);
    expect((await t.asApp(other.creds, 'GET', `/api/v1/apps/${creds.appId}/templates`)).status).toBe(404);
    expect((await t.asApp(creds, 'POST', `/api/v1/apps/${creds.appId}/templates`, { name: 'otp', body: 'again {x}' })).status).toBe(409);
    expect((await t.asApp(creds, 'POST', `/api/v1/apps/${creds.appId}/templates`, { name: 'bad', body: 'broken {x' })).status).toBe(400);

    const pending = await t.admin('GET', `/api/v1/templates?status=pending&appId=${creds.appId}`);
    expect(pending.body.items.map((i: { id: string }) => i.id)).toEqual([created.body.id]);
    const approved = await t.admin('POST', `/api/v1/templates/${created.body.id}/approve`);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'operator' });
    const { rows } = await t.gw.db.raw(`SELECT actor, action FROM audit_log WHERE entity = 'template' AND entity_id = ? ORDER BY id`, [created.body.id]);
    expect(rows).toEqual([
      { actor: `app:${creds.appId}`, action: 'create' },
      { actor: 'operator', action: 'approve' },
    ]);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121240000', template: created.body.id, params: { code: 7 } });
    expect(sent.status).toBe(202);
  });

  it('the operator creates templates for an app and lists them', async () => {
    const { creds } = await t.customer(0);
    const created = await t.admin('POST', `/api/v1/apps/${creds.appId}/templates`, { name: 'welcome', body: 'Hi {name}', ratePolicy: { perDay: 3 } });
    expect(created.body).toMatchObject({ status: 'pending', createdBy: 'operator', ratePolicy: { perMinute: null, perDay: 3 } });
    expect((await t.asApp(creds, 'GET', `/api/v1/apps/${creds.appId}/templates`)).body.items).toHaveLength(1);
    expect((await t.admin('POST', `/api/v1/apps/00000000-0000-4000-8000-000000000000/templates`, { name: 'x', body: 'y' })).status).toBe(404);
  });
});

describe('a submission from an approved template', () => {
  it('is rendered, reaches the carrier rendered, and skips a hold rule that matches it', async () => {
    const { accountId, creds } = await t.customer(1000);
    const templateId = await approvedTemplate(creds, { name: 'otp', body: 'Your code is {code}' });
    await t.admin('POST', '/api/v1/rules', { name: 'hold all', kind: 'regex', pattern: '.', action: 'hold', accountId });
    await rulesInForce(t);

    // Free text from the same app is held ...
    const free = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121240001', text: 'Your code is 1111' });
    expect((await settled(t, creds, free.body.messages[0].id)).status).toBe('held');

    // ... the template's message is not.
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121240002', template: 'otp', params: { code: '4821' } });
    expect(sent.status).toBe(202);
    expect(sent.body.messages[0]).toMatchObject({ parts: 1, price: 5, status: 'accepted' });
    const message = await settled(t, creds, sent.body.messages[0].id);
    expect(message).toMatchObject({ status: 'delivered', text: 'Your code is 4821' });
    expect(await ledgerOf(t, message.id)).toEqual([{ kind: 'charge', amount: -5 }]);
    const received = t.gw.simulator!.received.filter((r) => r.destinationAddr === '989121240002');
    expect(received).toHaveLength(1);
    expect(received[0]!.shortMessage.toString('latin1')).toBe('Your code is 4821');
    const { rows } = await t.gw.db.raw('SELECT template_id FROM messages WHERE id = ?', [message.id]);
    expect(rows[0].template_id).toBe(templateId);
  });

  it('is still rejected by a reject rule', async () => {
    const { accountId, creds } = await t.customer(1000);
    await approvedTemplate(creds, { name: 'promo', body: 'Visit {place}' });
    await t.admin('POST', '/api/v1/rules', { name: 'no casinos', kind: 'keyword', keywords: ['casino'], action: 'reject', accountId });
    await rulesInForce(t);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121240003', template: 'promo', params: { place: 'the casino' } });
    const message = await settled(t, creds, sent.body.messages[0].id);
    expect(message).toMatchObject({ status: 'rejected', errorCode: 'CONTENT_REJECTED', text: 'Visit the casino' });
  });

  it.each([
    ['missing params', { template: 'otp', params: {} }, 400, 'INVALID_REQUEST', { missing: ['code'], unknown: [] }],
    ['an unknown param', { template: 'otp', params: { code: '1', extra: 'x' } }, 400, 'INVALID_REQUEST', { missing: [], unknown: ['extra'] }],
    ['an unknown template', { template: 'nope', params: {} }, 400, 'INVALID_REQUEST', { template: 'nope' }],
    ['both text and template', { text: 'x', template: 'otp', params: { code: '1' } }, 400, 'INVALID_REQUEST', undefined],
    ['params without a template', { text: 'x', params: { code: '1' } }, 400, 'INVALID_REQUEST', undefined],
  ])('%s is refused and creates nothing', async (_name, body, status, code, details) => {
    const { creds } = await t.customer(1000);
    await approvedTemplate(creds, { name: 'otp', body: 'Your code is {code}' });
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121240004', ...body });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    if (details) expect(r.body.error.details).toEqual(details);
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toEqual([]);
  });
});

describe('a template rate policy', () => {
  it('allows one OTP a minute per number: the extra one is a 429 with Retry-After, other numbers still pass', async () => {
    const { creds } = await t.customer(1000);
    await approvedTemplate(creds, { name: 'otp', body: 'Your code is {code}', ratePolicy: { perMinute: 1, perDay: 10 } });
    const first = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121250000', template: 'otp', params: { code: '1' } });
    expect(first.status).toBe(202);
    const extra = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '+98 912 125 0000', template: 'otp', params: { code: '2' } });
    expect(extra.status).toBe(429);
    expect(extra.body.error).toMatchObject({ code: 'THROTTLED', details: { numbers: ['989121250000'] } });
    const retryAfter = Number(extra.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A submission naming a throttled number and a fresh one is refused whole; the fresh one stays unused.
    const mixed = await t.asApp(creds, 'POST', '/api/v1/messages', { to: ['989121250001', '989121250000'], template: 'otp', params: { code: '3' } });
    expect(mixed.status).toBe(429);
    const other = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121250001', template: 'otp', params: { code: '4' } });
    expect(other.status).toBe(202);
    // Free text is not under the template's policy.
    const free = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121250000', text: 'not an OTP' });
    expect(free.status).toBe(202);
    const ids = (await t.asApp(creds, 'GET', '/api/v1/messages')).body.items.map((m: { to: string }) => m.to).sort();
    expect(ids).toEqual(['989121250000', '989121250000', '989121250001']);
  });

  it('a submission refused at accept (balance) does not use up the rate', async () => {
    const { accountId, creds } = await t.customer(0);
    await approvedTemplate(creds, { name: 'otp', body: 'Your code is {code}', ratePolicy: { perMinute: 1 } });
    const poor = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121250002', template: 'otp', params: { code: '1' } });
    expect(poor.status).toBe(402);
    await t.admin('POST', `/api/v1/accounts/${accountId}/credit`, { amount: 100 });
    // The accept check's balance may be cached briefly: retry while it still says 402; a 429 would mean the rate was used up.
    const paid = await eventually(async () => {
      const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121250002', template: 'otp', params: { code: '1' } });
      return r.status === 402 ? undefined : r;
    }, 10_000, 'the credit to count at accept');
    expect(paid.status).toBe(202);
  });
});
