/**
 * The money invariants against real PostgreSQL: a message is charged at
 * most once and refunded at most once, however often a batch re-runs, and
 * the ledger always sums to the balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/db/account-store';
import { AppStore } from '../../src/db/app-store';
import { createDb, type Db } from '../../src/db/knex';
import { MessageStore } from '../../src/db/message-store';
import { SecretBox } from '../../src/db/secret-box';
import { REFUNDED_STATUSES } from '../../src/core/lifecycle';
import { newMessageId } from '../../src/core/id';
import { decideCharges, passEverything } from '../../src/pipeline/review-charge';
import type { NewMessage } from '../../src/pipeline/types';
import { createTestDatabase } from '../helpers/db';

let db: Db;
let drop: () => Promise<void>;
let accounts: AccountStore;
let store: MessageStore;
let appId: string;
let accountId: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = createDb(database.url, 4);
  accounts = new AccountStore(db);
  store = new MessageStore(db);
  const account = await accounts.create('money');
  accountId = account.id;
  await accounts.credit(accountId, 100, 'test');
  const apps = new AppStore(db, await SecretBox.load(db));
  appId = (await apps.create({ accountId, name: 'a' })).app.id;
});

afterAll(async () => {
  await db.destroy();
  await drop();
});

function message(price: number): NewMessage {
  return {
    id: newMessageId(),
    accountId,
    appId,
    channel: 'http',
    to: '989121234567',
    from: null,
    text: 'hello',
    encoding: 'gsm7',
    parts: 1,
    price,
    priority: 'normal',
    reference: null,
    callbackUrl: null,
    registeredDelivery: true,
    validUntil: new Date(Date.now() + 3600_000),
  };
}

const decide = (ms: Parameters<typeof decideCharges>[0], b: Parameters<typeof decideCharges>[1]) => decideCharges(ms, b, passEverything);

describe('message store money rules', () => {
  it('charges a batch once however often it is re-run, and rejects what the balance cannot cover', async () => {
    const batch = [message(30), message(30), message(50)];
    await store.insertAccepted(batch);
    await store.insertAccepted(batch); // a re-run of the accept insert adds nothing
    const ids = batch.map((m) => m.id);

    const first = await store.chargeAccepted(ids, decide);
    expect(first.charged).toBe(60);
    expect(first.queued.map((m) => m.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(first.rejected.map((r) => [r.message.id, r.errorCode])).toEqual([[ids[2], 'INSUFFICIENT_BALANCE']]);

    const again = await store.chargeAccepted(ids, decide);
    expect(again.charged).toBe(0);
    expect(again.queued).toHaveLength(2);
    expect(again.rejected).toHaveLength(0);

    expect((await accounts.get(accountId))!.balance).toBe(40);
    expect(await accounts.ledgerSum(accountId)).toBe(40);
  });

  it('refunds an undelivered message once, and never refunds an uncharged one', async () => {
    const m = message(10);
    await store.insertAccepted([m]);
    await store.chargeAccepted([m.id], decide);
    await store.recordSubmission(
      [{ messageId: m.id, partIndex: 0, carrierId: await simulatorCarrier(), carrierMessageId: 'c-1' }],
      [{ id: m.id, carrierId: await simulatorCarrier(), carrierMessageId: 'c-1' }],
    );
    const before = (await accounts.get(accountId))!.balance;

    const [finalized] = await store.finalize([{ id: m.id, status: 'undelivered', errorCode: '001', detail: {} }], REFUNDED_STATUSES);
    expect(finalized).toMatchObject({ status: 'undelivered', refunded: 10 });
    const twice = await store.finalize([{ id: m.id, status: 'undelivered', errorCode: '001', detail: {} }], REFUNDED_STATUSES);
    expect(twice).toHaveLength(0);
    // A late contradicting receipt cannot move a final message either.
    expect(await store.finalize([{ id: m.id, status: 'delivered', errorCode: null, detail: {} }], REFUNDED_STATUSES)).toHaveLength(0);

    expect((await accounts.get(accountId))!.balance).toBe(before + 10);
    expect(await accounts.ledgerSum(accountId)).toBe((await accounts.get(accountId))!.balance);
    const { rows } = await db.raw(`SELECT kind, count(*)::int AS n FROM ledger WHERE message_id = ? GROUP BY kind ORDER BY kind`, [m.id]);
    expect(rows).toEqual([{ kind: 'charge', n: 1 }, { kind: 'refund', n: 1 }]);
  });

  it('records each transition once, in order', async () => {
    const m = message(1);
    await store.insertAccepted([m]);
    await store.chargeAccepted([m.id], decide);
    await store.chargeAccepted([m.id], decide);
    const { rows } = await db.raw(`SELECT status FROM message_events WHERE message_id = ? ORDER BY id`, [m.id]);
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['accepted', 'queued']);
  });

  it('lets one dispatch job claim a message; another job cannot until the lease ends', async () => {
    const m = message(1);
    await store.insertAccepted([m]);
    await store.chargeAccepted([m.id], decide);
    expect(await store.claim([m.id], 'job-a', 60_000)).toHaveLength(1);
    expect(await store.claim([m.id], 'job-b', 60_000)).toHaveLength(0);
    expect(await store.claim([m.id], 'job-a', 60_000)).toHaveLength(1); // the same job, re-run after a crash
    await store.release([m.id]);
    expect(await store.claim([m.id], 'job-b', 60_000)).toHaveLength(1);
  });
});

let carrierId: string | undefined;
async function simulatorCarrier(): Promise<string> {
  if (!carrierId) {
    const { rows } = await db.raw(`INSERT INTO carriers (name, host, port, system_id, password) VALUES ('c', '127.0.0.1', 1, 's', 'p') RETURNING id`);
    carrierId = rows[0].id as string;
  }
  return carrierId;
}
