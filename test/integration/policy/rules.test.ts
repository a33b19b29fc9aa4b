/**
 * Content rules end to end (real PostgreSQL, Redis, BullMQ, simulator): each
 * kind fires with each action; the rules API checks what it stores; a rule
 * made on the edge reaches a separate workers process.
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

type Kind = 'keyword' | 'regex' | 'url' | 'sender' | 'number';
type Action = 'pass' | 'hold' | 'reject';

/** A rule of each kind and a submission that makes it fire (for pass: the trusted form). */
const KINDS: Record<Kind, { rule: Record<string, unknown>; message: (action: Action) => Record<string, unknown> }> = {
  keyword: { rule: { keywords: ['casino'] }, message: () => ({ to: '989121110001', text: 'Casino night tonight' }) },
  regex: { rule: { pattern: 'win\\s+\\d+' }, message: () => ({ to: '989121110002', text: 'You WIN 100 coins' }) },
  url: { rule: {}, message: () => ({ to: '989121110003', text: 'See https://example.com/offer' }) },
  sender: { rule: { keywords: ['BANK'] }, message: (action) => ({ to: '989121110004', from: action === 'pass' ? 'BANK' : 'OTHER', text: 'Your statement' }) },
  number: { rule: { keywords: ['98912555'] }, message: () => ({ to: '989125550001', text: 'Hello' }) },
};

const CASES = (Object.keys(KINDS) as Kind[]).flatMap((kind) => (['pass', 'hold', 'reject'] as const).map((action) => [kind, action] as const));

describe('each rule kind fires with each action', () => {
  const setups = new Map<string, { accountId: string; creds: AppCreds; ruleId: string }>();

  beforeAll(async () => {
    for (const [kind, action] of CASES) {
      const customer = await t.customer(1000);
      const created = await t.admin('POST', '/api/v1/rules', { name: `${kind}-${action}`, kind, action, accountId: customer.accountId, ...KINDS[kind].rule });
      expect(created.status).toBe(201);
      if (action === 'pass') {
        // A catch-all hold for the account: the firing pass rule is what lets the message through.
        const hold = await t.admin('POST', '/api/v1/rules', { name: 'hold everything', kind: 'regex', pattern: '.', action: 'hold', accountId: customer.accountId });
        expect(hold.status).toBe(201);
      }
      setups.set(`${kind}/${action}`, { ...customer, ruleId: created.body.id });
    }
    await rulesInForce(t);
  });

  it.each(CASES)('%s rule with action %s', async (kind, action) => {
    const { creds, ruleId } = setups.get(`${kind}/${action}`)!;
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', KINDS[kind].message(action));
    expect(sent.status).toBe(202);
    const id = sent.body.messages[0].id;
    const message = await settled(t, creds, id);
    const statuses = message.events.map((e: { status: string }) => e.status);
    if (action === 'pass') {
      expect(message.status).toBe('delivered');
      expect(statuses).not.toContain('held');
      expect(await ledgerOf(t, id)).toEqual([{ kind: 'charge', amount: -5 }]);
    } else if (action === 'hold') {
      expect(message.status).toBe('held');
      expect(statuses).toEqual(['accepted', 'held']);
      expect(message.events[1].detail).toMatchObject({ reason: 'CONTENT_HELD', rule: { id: ruleId, kind } });
      expect(await ledgerOf(t, id)).toEqual([]);
    } else {
      expect(message).toMatchObject({ status: 'rejected', errorCode: 'CONTENT_REJECTED' });
      expect(statuses).toEqual(['accepted', 'rejected']);
      expect(message.events[1].detail).toMatchObject({ reason: 'CONTENT_REJECTED', rule: { id: ruleId, kind } });
      expect(await ledgerOf(t, id)).toEqual([]);
      expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(1000);
    }
  });

  it('a message no rule fires on passes as before', async () => {
    const { creds } = setups.get('keyword/reject')!;
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110009', text: 'an ordinary text' });
    expect((await settled(t, creds, sent.body.messages[0].id)).status).toBe('delivered');
  });
});

describe('the rules API', () => {
  it('creates, lists and deletes rules, and audits both changes', async () => {
    const { accountId } = await t.customer(0);
    const created = await t.admin('POST', '/api/v1/rules', { name: 'no loans', kind: 'keyword', keywords: [' loan ', 'loan'], action: 'hold', accountId });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: 'no loans', kind: 'keyword', keywords: ['loan'], action: 'hold', accountId, appId: null, createdBy: 'operator' });
    const listed = await t.admin('GET', `/api/v1/rules?accountId=${accountId}`);
    expect(listed.body).toEqual({ items: [created.body], nextCursor: null });
    expect((await t.admin('DELETE', `/api/v1/rules/${created.body.id}`)).status).toBe(204);
    expect((await t.admin('DELETE', `/api/v1/rules/${created.body.id}`)).status).toBe(404);
    expect((await t.admin('GET', `/api/v1/rules?accountId=${accountId}`)).body.items).toEqual([]);
    const { rows } = await t.gw.db.raw(`SELECT actor, action FROM audit_log WHERE entity = 'rule' AND entity_id = ? ORDER BY id`, [created.body.id]);
    expect(rows).toEqual([
      { actor: 'operator', action: 'create' },
      { actor: 'operator', action: 'delete' },
    ]);
  });

  it('a per-app rule takes its account from the app', async () => {
    const { accountId, creds } = await t.customer(0);
    const created = await t.admin('POST', '/api/v1/rules', { name: 'app senders', kind: 'sender', keywords: ['BANK'], action: 'reject', appId: creds.appId });
    expect(created.body).toMatchObject({ accountId, appId: creds.appId });
    const other = await t.customer(0);
    const mismatch = await t.admin('POST', '/api/v1/rules', { name: 'x', kind: 'sender', keywords: ['BANK'], action: 'reject', appId: creds.appId, accountId: other.accountId });
    expect(mismatch.status).toBe(400);
  });

  it.each([
    ['a regex that does not compile', { kind: 'regex', pattern: '(unclosed' }],
    ['a catastrophic regex', { kind: 'regex', pattern: '(a+)+$' }],
    ['a too long regex', { kind: 'regex', pattern: 'a'.repeat(501) }],
    ['an unknown kind', { kind: 'colour', keywords: ['x'] }],
    ['an unknown action', { kind: 'keyword', keywords: ['x'], action: 'delete' }],
    ['a keyword rule without keywords', { kind: 'keyword' }],
    ['a number rule with letters', { kind: 'number', keywords: ['98abc'] }],
    ['an unknown account', { kind: 'keyword', keywords: ['x'], accountId: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses %s with 400', async (_name, body) => {
    const r = await t.admin('POST', '/api/v1/rules', { name: 'bad', action: 'reject', ...body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_REQUEST');
  });

  it('is for operators only (401, or 403 once routes are role-gated)', async () => {
    const { creds } = await t.customer(0);
    expect([401, 403]).toContain((await t.asApp(creds, 'GET', '/api/v1/rules')).status);
    expect([401, 403]).toContain((await t.asApp(creds, 'POST', '/api/v1/rules', { name: 'x', kind: 'keyword', keywords: ['x'], action: 'reject' })).status);
  });
});

describe('rule changes reach every process', () => {
  it('a rule created on the edge is applied by a separate workers process, and its deletion too', async () => {
    const edge = await startTestGateway({ env: { GATEWAY_ROLES: 'api' } });
    let workers: TestGateway | undefined;
    try {
      workers = await startTestGateway({ joinOf: edge, env: { GATEWAY_ROLES: 'workers', SIMULATOR: '0' } });
      const { accountId, creds } = await edge.customer(1000);
      // The workers process has loaded its (empty) rule set: a message passes.
      const first = await edge.asApp(creds, 'POST', '/api/v1/messages', { to: '989121112222', text: 'forbidden word' });
      expect((await settled(edge, creds, first.body.messages[0].id)).status).toBe('delivered');

      const rule = await edge.admin('POST', '/api/v1/rules', { name: 'forbidden', kind: 'keyword', keywords: ['forbidden'], action: 'reject', accountId });
      expect(rule.status).toBe(201);
      await eventually(async () => {
        const sent = await edge.asApp(creds, 'POST', '/api/v1/messages', { to: '989121112222', text: 'forbidden word' });
        const m = await settled(edge, creds, sent.body.messages[0].id);
        return m.status === 'rejected' && m.errorCode === 'CONTENT_REJECTED' ? m : undefined;
      }, 30_000, 'the new rule to reject in the workers process');

      expect((await edge.admin('DELETE', `/api/v1/rules/${rule.body.id}`)).status).toBe(204);
      await eventually(async () => {
        const sent = await edge.asApp(creds, 'POST', '/api/v1/messages', { to: '989121112222', text: 'forbidden word' });
        const m = await settled(edge, creds, sent.body.messages[0].id);
        return m.status === 'delivered' ? m : undefined;
      }, 30_000, 'the deleted rule to stop rejecting');
    } finally {
      await workers?.stop();
      await edge.stop();
    }
  }, 90_000);
});
