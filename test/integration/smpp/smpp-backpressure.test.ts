/**
 * When the queue (Redis) or the database (PostgreSQL) cannot be reached,
 * submit_sm is answered ESME_RMSGQFUL (0x14) quickly and nothing is kept;
 * when it comes back, submissions are accepted again. The gateway reaches
 * both through TCP proxies that the tests cut or black-hole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { boundEsme, type Esme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { createTestDatabase } from '../../helpers/db';
import { TcpProxy } from '../../helpers/tcp-proxy';

const S = COMMAND_STATUS;
let t: TestGateway;
let redisProxy: TcpProxy;
let pgProxy: TcpProxy;
let database: { url: string; drop: () => Promise<void> };
let creds: AppCreds;
let esme: Esme;

beforeAll(async () => {
  redisProxy = await TcpProxy.start(6379);
  pgProxy = await TcpProxy.start(5432);
  database = await createTestDatabase();
  const viaProxy = new URL(database.url);
  viaProxy.port = String(pgProxy.port);
  t = await startTestGateway({
    env: { GATEWAY_ROLES: 'api,smpp', REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, DATABASE_URL: viaProxy.toString() },
    smpp: { acceptTimeoutMs: 1_500 },
  });
  creds = (await t.customer(1000)).creds;
  esme = await boundEsme(t.smppPort, creds);
});

afterAll(async () => {
  esme?.close();
  redisProxy?.restore();
  pgProxy?.restore();
  await t?.stop();
  await redisProxy?.stop();
  await pgProxy?.stop();
  await database?.drop();
});

async function timedSubmit(text: string): Promise<{ status: number; ms: number; id: string }> {
  const started = Date.now();
  const r = await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from(text) });
  return { status: r.command_status, ms: Date.now() - started, id: r.message_id };
}

describe('with the queue or the database away', () => {
  it('answers ESME_RMSGQFUL at once while Redis is unreachable, and accepts again when it is back', async () => {
    redisProxy.cut();
    const r = await timedSubmit('no queue');
    expect(r.status).toBe(S.ESME_RMSGQFUL);
    expect(r.ms).toBeLessThan(1_000);
    redisProxy.restore();
    const ok = await eventually(async () => {
      const again = await timedSubmit('queue back');
      return again.status === S.ESME_ROK ? again : undefined;
    }, 15_000, 'an accepted submit');
    const { rows } = await t.gw.db.raw(`SELECT text, status FROM messages ORDER BY id`);
    // The refused one was never acknowledged: it is not waiting to be sent.
    expect(rows.filter((m: { status: string }) => m.status === 'accepted').map((m: { text: string }) => m.text)).toEqual(['queue back']);
    expect(ok.id).toBeTruthy();
  });

  it('answers ESME_RMSGQFUL within the accept bound while PostgreSQL does not answer, never hanging', async () => {
    pgProxy.blackhole();
    const r = await timedSubmit('no database');
    expect(r.status).toBe(S.ESME_RMSGQFUL);
    expect(r.ms).toBeLessThan(3_000);
    pgProxy.cut(); // drop the stuck connections so the pool starts afresh
    pgProxy.restore();
    await eventually(async () => ((await timedSubmit('database back')).status === S.ESME_ROK ? true : undefined), 20_000, 'an accepted submit');
  });
});
