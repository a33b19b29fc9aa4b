/**
 * Reports end to end: known traffic (two accounts, two carriers with
 * different costs, a long message, an undelivered one) goes through the
 * real pipeline; the rollup job (every 100 ms here) folds it into hourly
 * rows incrementally; GET /api/v1/reports answers exact figures per group,
 * in JSON and CSV, filtered by account when asked. Re-runs, rescans and a
 * message that is counted in flight and again once final add nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floorHour, RollupStore } from '../../../src/db/rollup-store';
import { bucketOf, LATENCY_BUCKET_COUNT, quantileOf } from '../../../src/reports/latency-histogram';
import { addSimCarrier, allFinal, bound, putRoutes, send, type SimCarrier } from '../../helpers/carriers';
import { eventually, request, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let costly: SimCarrier;
let slow: SimCarrier;
let a: { accountId: string; creds: AppCreds };
let b: { accountId: string; creds: AppCreds };
let ids: { a: string[]; b: string[] };

const LONG_TEXT = 'x'.repeat(161); // GSM, two parts

beforeAll(async () => {
  t = await startTestGateway({ rollupIntervalMs: 100, simulatorOptions: { dlrDelayMs: 20, rules: [{ prefix: '98999', stat: 'UNDELIV', err: '001' }] } });
  costly = await addSimCarrier(t, 'costly', { carrier: { cost: 2 } });
  await bound(costly, 2);
  // Receipts 3 s after the hand-over: its messages stay `submitted` long enough to be seen in flight.
  slow = await addSimCarrier(t, 'slow', { carrier: { cost: 3 }, sim: { dlrDelayMs: 3_000 } });
  await bound(slow, 2);
  const simulator = (await t.admin('GET', '/api/v1/carriers')).body.items.find((c: { name: string }) => c.name === 'simulator');
  expect((await t.admin('PATCH', `/api/v1/carriers/${simulator.id}`, { cost: 1 })).status).toBe(200);
  await putRoutes(t, [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '61', carriers: ['costly'], price: 7 },
    { prefix: '44', carriers: ['slow'], price: 6 },
  ]);
  a = await t.customer(10_000);
  b = await t.customer(10_000);
  ids = {
    a: [
      ...(await send(t, a.creds, ['989121000001', '989121000002', '989121000003', '989991000004', '61420000005', '61420000006'])),
      ...(await send(t, a.creds, ['989121000007'], LONG_TEXT)),
    ],
    b: await send(t, b.creds, ['989121000008']),
  };
  await allFinal(t, [...ids.a, ...ids.b], 15_000);
});

afterAll(async () => {
  await t?.stop();
  await costly?.sim.stop();
  await slow?.sim.stop();
});

const RANGE = () => {
  const now = Date.now();
  return `from=${new Date(now - 2 * 3600_000).toISOString()}&to=${new Date(now + 3600_000).toISOString()}`;
};

/** The report once the rollup has caught up with every final status (it runs every 100 ms). */
async function report(query: string, accountId = a.accountId, expectMessages = 7) {
  // Final statuses never change again: once the status report shows them all, every report does.
  await eventually(async () => {
    const byStatus = await t.admin('GET', `/api/v1/reports?${RANGE()}&groupBy=status&accountId=${accountId}`);
    const items = byStatus.body.items as Array<{ status: string; messages: number }>;
    const finals = items.filter((i) => ['delivered', 'undelivered'].includes(i.status)).reduce((n, i) => n + i.messages, 0);
    return finals === expectMessages && items.every((i) => ['delivered', 'undelivered'].includes(i.status)) ? true : undefined;
  }, 10_000, 'the rollup to catch up');
  const r = await t.admin('GET', `/api/v1/reports?${RANGE()}&${query}&accountId=${accountId}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** The whole rollup table, in key order. */
async function rollupRows() {
  const { rows } = await t.gw.db.raw('SELECT * FROM report_rollup ORDER BY account_id, dimension, period, at, key, status');
  return rows as unknown[];
}

/** Runs `fn` while the rollup job stands still: its queue paused and no run active. */
async function withRollupPaused(fn: () => Promise<void>) {
  expect((await t.admin('POST', '/api/v1/queues/rollup/pause')).status).toBe(200);
  try {
    await eventually(async () => {
      const q = (await t.admin('GET', '/api/v1/queues')).body.items.find((i: { name: string }) => i.name === 'rollup');
      return q.active === 0 ? true : undefined;
    }, 5_000, 'no active rollup run');
    await fn();
  } finally {
    await t.admin('POST', '/api/v1/queues/rollup/resume');
  }
}

/** What the report's latency percentiles must be: the same histogram, built from the messages themselves. */
async function expectedLatency(messageIds: string[]) {
  const { rows } = await t.gw.db.raw(
    `SELECT extract(epoch FROM updated_at - created_at)::float8 AS s FROM messages WHERE id = ANY(?::uuid[]) AND status = 'delivered'`,
    [messageIds],
  );
  const histogram = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const r of rows as Array<{ s: number }>) histogram[bucketOf(r.s)]!++;
  return { latencyP50Seconds: quantileOf(histogram, 0.5), latencyP90Seconds: quantileOf(histogram, 0.9), latencyP99Seconds: quantileOf(histogram, 0.99) };
}

describe('GET /api/v1/reports', () => {
  it('by status: messages, parts, revenue net of refunds, carrier cost, margin, delivery ratio and latency', async () => {
    const body = await report('groupBy=status');
    expect(body).toMatchObject({ groupBy: 'status', rolledUpAt: expect.any(String) });
    const delivered = ids.a.filter((_, i) => i !== 3);
    expect(body.items).toEqual([
      // 3 x 5 (simulator, cost 1) + 2 x 7 (costly, cost 2) + one 2-part message 10 (cost 2 x 1).
      { status: 'delivered', messages: 6, parts: 7, revenue: 39, cost: 9, margin: 30, deliveryRatio: 1, ...(await expectedLatency(delivered)) },
      // Charged 5 and refunded 5; the carrier still cost 1.
      { status: 'undelivered', messages: 1, parts: 1, revenue: 0, cost: 1, margin: -1, deliveryRatio: 0, latencyP50Seconds: null, latencyP90Seconds: null, latencyP99Seconds: null },
    ]);
    expect(body.items[0].latencyP50Seconds).toBeGreaterThan(0);
    expect(body.items[0].latencyP50Seconds).toBeLessThanOrEqual(body.items[0].latencyP99Seconds);
  });

  it('by carrier, prefix and app', async () => {
    const byCarrier = await report('groupBy=carrier');
    expect(byCarrier.items.map(({ carrier, messages, parts, revenue, cost, margin, deliveryRatio }: Record<string, unknown>) => ({ carrier, messages, parts, revenue, cost, margin, deliveryRatio }))).toEqual([
      { carrier: 'costly', messages: 2, parts: 2, revenue: 14, cost: 4, margin: 10, deliveryRatio: 1 },
      { carrier: 'simulator', messages: 5, parts: 6, revenue: 25, cost: 6, margin: 19, deliveryRatio: 0.8 },
    ]);
    const byPrefix = await report('groupBy=prefix');
    expect(byPrefix.items.map((i: Record<string, unknown>) => [i.prefix, i.messages, i.revenue])).toEqual([
      ['6142', 2, 14],
      ['9891', 4, 25],
      ['9899', 1, 0],
    ]);
    const byApp = await report('groupBy=app');
    expect(byApp.items).toHaveLength(1);
    expect(byApp.items[0]).toMatchObject({ app: a.creds.appId, messages: 7, parts: 8, revenue: 39, cost: 10, margin: 29 });
    expect(byApp.items[0].deliveryRatio).toBeCloseTo(6 / 7, 4);
  });

  it('by hour and day: the acceptance hour (UTC), and the same totals', async () => {
    const { rows } = await t.gw.db.raw(`SELECT DISTINCT date_trunc('hour', created_at) AS h FROM messages WHERE id = ANY(?::uuid[])`, [ids.a]);
    const hours = (rows as Array<{ h: Date }>).map((r) => r.h.toISOString().replace('.000Z', 'Z')).sort();
    const byHour = await report('groupBy=hour');
    expect(byHour.items.map((i: { hour: string }) => i.hour)).toEqual(hours);
    expect(byHour.items.reduce((n: number, i: { revenue: number }) => n + i.revenue, 0)).toBe(39);
    const byDay = await report('groupBy=day');
    expect(byDay.items.map((i: { day: string }) => i.day)).toEqual([...new Set(hours.map((h) => h.slice(0, 10)))]);
    expect(byDay.items.reduce((n: number, i: { messages: number }) => n + i.messages, 0)).toBe(7);
  });

  it('only the given account when accountId is set; every account otherwise', async () => {
    const onlyB = await report('groupBy=status', b.accountId, 1);
    expect(onlyB.items.map((i: Record<string, unknown>) => [i.status, i.messages, i.revenue, i.cost])).toEqual([['delivered', 1, 5, 1]]);
    const all = await t.admin('GET', `/api/v1/reports?${RANGE()}&groupBy=app`);
    expect(all.body.items.map((i: { app: string }) => i.app).sort()).toEqual([a.creds.appId, b.creds.appId].sort());
  });

  it('exports CSV with a header row whose group column is named after groupBy', async () => {
    await report('groupBy=carrier');
    const r = await fetch(`${t.base}/api/v1/reports?${RANGE()}&groupBy=carrier&format=csv&accountId=${a.accountId}`, {
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await r.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('carrier,messages,parts,revenue,cost,margin,deliveryRatio,latencyP50Seconds,latencyP90Seconds,latencyP99Seconds');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 7).join(','))).toEqual(['costly,2,2,14,4,10,1', 'simulator,5,6,25,6,19,0.8']);
  });

  it('a range of whole days reads the day rows (the sums of their hours) and gives the same figures', async () => {
    const byHourRows = await report('groupBy=carrier');
    const day = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const days = `from=${new Date(day - 86_400_000).toISOString()}&to=${new Date(day + 2 * 86_400_000).toISOString()}`;
    const byDayRows = await t.admin('GET', `/api/v1/reports?${days}&groupBy=carrier&accountId=${a.accountId}`);
    expect(byDayRows.body.items).toEqual(byHourRows.items);
    const { rows } = await t.gw.db.raw(
      `SELECT sum(messages)::int AS messages, sum(charged - refunded)::int AS revenue FROM report_rollup
       WHERE period = 'day' AND dimension = 'app' AND account_id = ?`,
      [a.accountId],
    );
    expect(rows[0]).toEqual({ messages: 7, revenue: 39 });
  });

  it('a rebuild of whole hours from messages gives the same figures as the incremental runs', async () => {
    const before = await report('groupBy=carrier');
    const hour = floorHour(new Date()).getTime();
    const run = await new RollupStore(t.gw.db).rebuild(new Date(hour - 2 * 3600_000), new Date(hour + 3600_000));
    expect(run).toBe(3); // whole hours: the two before this one, and this one
    const after = await t.admin('GET', `/api/v1/reports?${RANGE()}&groupBy=carrier&accountId=${a.accountId}`);
    expect(after.body.items).toEqual(before.items);
  });

  it('catches up in bounded runs from an empty rollup (the first run on a long history)', async () => {
    const before = await report('groupBy=carrier');
    await withRollupPaused(async () => {
      await t.gw.db.raw(`DELETE FROM report_rollup; DELETE FROM report_rollup_message; UPDATE report_rollup_state SET last_event_id = 0, previous_event_id = 0`);
      const { rows } = await t.gw.db.raw('SELECT count(*)::int AS n FROM message_events');
      const store = new RollupStore(t.gw.db, 5);
      const first = await store.rollUp();
      expect(first).toMatchObject({ ran: true, lastEventId: 5, behind: true });
      const last = await store.catchUp(1_000);
      expect(last).toMatchObject({ ran: true, behind: false });
      expect(last.lastEventId).toBeGreaterThanOrEqual(rows[0].n);
      const after = await t.admin('GET', `/api/v1/reports?${RANGE()}&groupBy=carrier&accountId=${a.accountId}`);
      expect(after.body.items).toEqual(before.items);
    });
  });

  it('re-running a run, and later runs that rescan its events, change nothing; overlapping runs do not both run', async () => {
    await withRollupPaused(async () => {
      const c = await t.customer(10_000);
      const sent = await send(t, c.creds, ['989121000009', '61420000010']);
      await allFinal(t, sent, 15_000);
      const store = new RollupStore(t.gw.db);
      const { rows: [start] } = await t.gw.db.raw(`SELECT last_event_id, previous_event_id FROM report_rollup_state`);
      expect(await store.rollUp()).toMatchObject({ ran: true, messages: 2, behind: false });
      const once = await rollupRows();
      const byCarrier = await report('groupBy=carrier', c.accountId, 2);
      expect(byCarrier.items.map((i: Record<string, unknown>) => [i.carrier, i.messages, i.revenue, i.cost])).toEqual([
        ['costly', 1, 7, 2],
        ['simulator', 1, 5, 1],
      ]);

      // The same run again, from the watermark it started from (as if its job ran twice).
      await t.gw.db.raw(`UPDATE report_rollup_state SET last_event_id = ?, previous_event_id = ?`, [start.last_event_id, start.previous_event_id]);
      expect(await store.rollUp()).toMatchObject({ ran: true, messages: 0 });
      expect(await rollupRows()).toEqual(once);
      // Each run rescans the events of the run before it (late commits): nothing is added twice.
      for (let i = 0; i < 3; i++) expect(await store.rollUp()).toMatchObject({ ran: true, messages: 0 });
      expect(await rollupRows()).toEqual(once);
      // A run that finds another one under way (holding the run lock) does nothing.
      const other = await t.gw.db.transaction();
      try {
        await other.raw('LOCK TABLE report_rollup_state IN SHARE ROW EXCLUSIVE MODE');
        expect(await store.rollUp()).toEqual({ ran: false, messages: 0, lastEventId: 0, behind: false });
      } finally {
        await other.rollback();
      }
    });
  });

  it('a message counted while in flight moves to its final status row once final, counted once', async () => {
    const c = await t.customer(10_000);
    const [id] = await send(t, c.creds, ['447700900001']);
    const none = { latencyP50Seconds: null, latencyP90Seconds: null, latencyP99Seconds: null };
    // Handed to the slow carrier (charged, and its cost known) while its receipt is 3 s away.
    const inFlight = await eventually(async () => {
      const r = await t.admin('GET', `/api/v1/reports?${RANGE()}&groupBy=status&accountId=${c.accountId}`);
      const items = r.body.items as Array<{ status: string }>;
      return items.length === 1 && items[0]!.status === 'submitted' ? items : undefined;
    }, 10_000, 'the message in flight in the report');
    expect(inFlight).toEqual([{ status: 'submitted', messages: 1, parts: 1, revenue: 6, cost: 3, margin: 3, deliveryRatio: null, ...none }]);

    await allFinal(t, [id!], 15_000);
    const final = await report('groupBy=status', c.accountId, 1);
    expect(final.items).toEqual([{ status: 'delivered', messages: 1, parts: 1, revenue: 6, cost: 3, margin: 3, deliveryRatio: 1, ...(await expectedLatency([id!])) }]);
    // Every dimension, hour and day rows alike, holds the one message once; no `submitted` row is left behind.
    const { rows } = await t.gw.db.raw(
      `SELECT period, dimension, status, messages, charged, refunded, cost FROM report_rollup WHERE account_id = ? ORDER BY period, dimension, status`,
      [c.accountId],
    );
    expect(rows).toEqual(
      ['day', 'hour'].flatMap((period) =>
        ['account', 'app', 'carrier', 'prefix'].map((dimension) => ({ period, dimension, status: 'delivered', messages: 1, charged: 6, refunded: 0, cost: 3 })),
      ),
    );
  });

  it('refuses bad parameters and callers that are not operators', async () => {
    expect((await t.admin('GET', '/api/v1/reports?groupBy=country')).status).toBe(400);
    expect((await t.admin('GET', '/api/v1/reports?from=2026-02-01&to=2026-01-01')).status).toBe(400);
    expect((await t.admin('GET', '/api/v1/reports?from=yesterday')).status).toBe(400);
    expect((await t.admin('GET', '/api/v1/reports?from=2024-01-01&to=2026-01-01')).status).toBe(400);
    expect((await request(t.base, 'GET', '/api/v1/reports')).status).toBe(401);
    const empty = await t.admin('GET', '/api/v1/reports?from=2020-01-01T00:30:00Z&to=2020-01-01T05:10:00Z&groupBy=hour');
    expect(empty.body).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: '2020-01-01T06:00:00.000Z', groupBy: 'hour', items: [] });
  });
});
