/**
 * Redis losing its data (its keys gone) with scheduled messages and batches
 * waiting: queue-loss recovery re-enqueues scheduled messages delayed to
 * their time and batches not fully expanded, from PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMessageId } from '../../../src/core/id';
import { PgBatchStore } from '../../../src/db/batch-store';
import { deleteKeys } from '../../helpers/redis-keys';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 }, queueLossCheckMs: 250 });
});

afterAll(async () => {
  await t?.stop();
});

async function statusesOf(batchOrIds: { batchId?: string; ids?: string[] }): Promise<string[]> {
  const { rows } = batchOrIds.batchId
    ? await t.gw.db.raw('SELECT status FROM messages WHERE batch_id = ?', [batchOrIds.batchId])
    : await t.gw.db.raw('SELECT status FROM messages WHERE id = ANY(?::uuid[])', [batchOrIds.ids ?? []]);
  return rows.map((r: { status: string }) => r.status);
}

describe('after Redis lost its jobs', () => {
  it('scheduled messages are released at their time, and a batch whose expansion job was lost is expanded and sent', async () => {
    const { accountId, creds }: { accountId: string; creds: AppCreds } = await t.customer(100_000);
    const scheduleAt = new Date(Date.now() + 4_000);
    const single = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989171110001', text: 'at four', scheduleAt: scheduleAt.toISOString() });
    expect(single.status).toBe(202);
    const scheduledBatch = await t.asApp(creds, 'POST', '/api/v1/batches', { to: ['989171110002', '989171110003'], text: 'batch at four', scheduleAt: scheduleAt.toISOString() });
    expect(scheduledBatch.status).toBe(202);
    await eventually(async () => ((await statusesOf({ batchId: scheduledBatch.body.batchId })).length === 2 ? true : undefined), 5_000);

    // A batch stored whose expansion job never made it to Redis.
    const store = new PgBatchStore(t.gw.db);
    const batchId = newMessageId();
    const recipients = ['989171110004', '989171110005', '989171110006'].map((to, seq) => ({
      seq, to, text: '', encoding: 'gsm7' as const, parts: 1, price: 5, messageId: newMessageId(),
    }));
    await store.create(
      { id: batchId, accountId, appId: creds.appId, text: 'lost job', templateId: null, from: null, priority: 'normal', callbackUrl: null, validitySeconds: 3600, scheduleAt: null },
      recipients,
    );

    await deleteKeys(t.gw.config.redisUrl, `{${t.prefix}}*`);
    await eventually(async () => ((await statusesOf({ batchId })).filter((s) => s === 'delivered').length === 3 ? true : undefined), 15_000, 'the recovered batch to be delivered');
    expect(Date.now()).toBeLessThan(scheduleAt.getTime());
    expect(await statusesOf({ ids: [single.body.messages[0].id] })).toEqual(['accepted']);
    expect(await statusesOf({ batchId: scheduledBatch.body.batchId })).toEqual(['accepted', 'accepted']);

    await eventually(async () => {
      const all = [...(await statusesOf({ ids: [single.body.messages[0].id] })), ...(await statusesOf({ batchId: scheduledBatch.body.batchId }))];
      return all.every((s) => s === 'delivered') ? true : undefined;
    }, 20_000, 'the scheduled messages to be delivered after their time');
    const sent = t.gw.simulator!.received.filter((s) => ['989171110001', '989171110002', '989171110003'].includes(s.destinationAddr));
    expect(sent).toHaveLength(3);
    for (const s of sent) expect(s.receivedAt).toBeGreaterThanOrEqual(scheduleAt.getTime());
    const { rows } = await t.gw.db.raw(
      `SELECT count(*)::int AS n, sum(amount)::bigint AS amount FROM ledger WHERE account_id = ? AND kind = 'charge'`,
      [accountId],
    );
    expect(rows[0]).toEqual({ n: 6, amount: -30 });
  });
});
