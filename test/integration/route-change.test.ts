/**
 * A route that disappears between accept and dispatch (a stale snapshot in
 * a workers process, or an operator's change) never fails a charged message
 * on the spot: it waits, and goes out once a route covers it again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway';

const started: TestGateway[] = [];
afterAll(async () => {
  for (const t of started.reverse()) await t.stop();
});

describe('a message whose route is gone when it is dispatched', () => {
  it('waits queued instead of failing, and is delivered once the route is back', async () => {
    const edge = await startTestGateway({ env: { GATEWAY_ROLES: 'api' } });
    started.push(edge);
    const { creds } = await edge.customer(100);
    const sent = await edge.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'route me' });
    expect(sent.status).toBe(202);
    const id = sent.body.messages[0].id;

    // The operator narrows the table before any worker runs: nothing covers 98 any more.
    expect((await edge.admin('PUT', '/api/v1/routes', [{ prefix: '44', carriers: ['simulator'], price: 5 }])).status).toBe(200);
    const workers = await startTestGateway({ joinOf: edge, env: { GATEWAY_ROLES: 'workers', SIMULATOR: '0' } });
    started.push(workers);

    const status = async () => (await edge.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body.status as string;
    await eventually(async () => ((await status()) === 'queued' ? true : undefined), 10_000, 'the message to be charged');
    const { rows: claimed } = await edge.gw.db.raw('SELECT count(*)::int AS n FROM message_parts WHERE message_id = ?', [id]);
    expect(claimed[0].n).toBe(0);
    expect(await status()).toBe('queued');

    expect((await edge.admin('PUT', '/api/v1/routes', [{ prefix: '', carriers: ['simulator'], price: 5 }])).status).toBe(200);
    await eventually(async () => ((await status()) === 'delivered' ? true : undefined), 30_000, 'delivery after the route is back');
    const { rows } = await edge.gw.db.raw('SELECT kind FROM ledger WHERE message_id = ?', [id]);
    expect(rows).toEqual([{ kind: 'charge' }]);
  }, 60_000);
});
