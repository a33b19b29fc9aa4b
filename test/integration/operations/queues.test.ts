/**
 * Queue monitoring and intervention on real BullMQ, Redis, PostgreSQL and
 * SMPP: GET /api/v1/queues counts real jobs and flags a growing backlog;
 * pausing a queue holds its messages and resuming lets them through; a
 * paused carrier gets nothing (its messages wait queued) until resumed;
 * failed jobs are retried; the dead-letter queue is requeued or discarded
 * in bulk; bull-board answers only an operator.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSimCarrier, allFinal, bound, FAST_CARRIERS, putRoutes, send, statuses, type SimCarrier } from '../../helpers/carriers';
import { ADMIN_TOKEN, eventually, request, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let creds: AppCreds;
let flaky: SimCarrier;

beforeAll(async () => {
  t = await startTestGateway({
    ...FAST_CARRIERS,
    carriers: { ...FAST_CARRIERS.carriers, breaker: { consecutiveFailures: 1_000, resetTimeoutMs: 300 } },
    queueSampleIntervalMs: 100,
    carrierPauseRefreshMs: 50,
  });
  ({ creds } = await t.customer(1_000_000));
  flaky = await addSimCarrier(t, 'flaky');
  await bound(flaky, 2);
  await putRoutes(t, [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '61', carriers: ['flaky'], price: 5 },
  ]);
});

afterAll(async () => {
  await t?.stop();
  await flaky?.sim.stop();
});

/** A BullMQ client of the gateway's own queues (its Redis, its prefix). */
function bullOptions() {
  const url = new URL(t.gw.config.redisUrl);
  return { connection: { host: url.hostname, port: Number(url.port || 6379) }, prefix: `{${t.prefix}}` };
}

interface QueueView {
  name: string;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingAgeSeconds: number | null;
  completedPerMinute: number | null;
  backlogGrowing: boolean;
}

async function queue(name: string): Promise<QueueView> {
  const r = await t.admin('GET', '/api/v1/queues');
  expect(r.status).toBe(200);
  return r.body.items.find((q: QueueView) => q.name === name);
}

describe('GET /api/v1/queues', () => {
  it('lists every pipeline queue with its counts, for operators only', async () => {
    const r = await t.admin('GET', '/api/v1/queues');
    expect(r.body.items.map((q: QueueView) => q.name)).toEqual(['review', 'dispatch', 'dispatch-express', 'dlr', 'notify', 'sweep', 'rollup', 'batch']);
    expect(r.body.pausedCarriers).toEqual([]);
    expect((await request(t.base, 'GET', '/api/v1/queues')).status).toBe(401);
    expect((await t.admin('POST', '/api/v1/queues/nope/pause')).status).toBe(404);
  });
});

describe('pausing a queue', () => {
  it('holds its messages (counted as waiting, a growing backlog flagged) until it is resumed', async () => {
    expect((await t.admin('POST', '/api/v1/queues/review/pause')).body).toEqual({ name: 'review', paused: true });
    try {
      await holdThenRelease();
    } finally {
      await t.admin('POST', '/api/v1/queues/review/resume'); // never leave the queue paused for the next tests
    }
  });
});

/** Submissions keep arriving at the paused review queue; then it is resumed and they go through. */
async function holdThenRelease(): Promise<void> {
  const ids: string[] = [];
  let sending = true;
  // Messages keep coming while the queue is paused: one submission every 30 ms.
  const sender = (async () => {
    while (sending) {
      ids.push(...(await send(t, creds, ['989121110000'])));
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  try {
    // The flag may come from samples taken before this test's first submission; wait until the
    // oldest waiting job has aged too (it keeps ageing only while the queue holds it).
    const flagged = await eventually(async () => {
      const q = await queue('review');
      return q.backlogGrowing && (q.oldestWaitingAgeSeconds ?? 0) > 0.2 ? q : undefined;
    }, 10_000, 'the backlog to be flagged as growing and its oldest job to age');
    expect(flagged.paused).toBe(true);
    expect(flagged.oldestWaitingAgeSeconds).toBeGreaterThan(0.2);
    expect(flagged.waiting).toBeGreaterThan(0);
  } finally {
    sending = false;
    await sender;
  }
  const held = await queue('review');
  expect(held.waiting).toBe(ids.length); // one review job per submission, none taken
  expect(held.active).toBe(0);
  expect([...(await statuses(t, ids)).values()].every((s) => s === 'accepted')).toBe(true);

  expect((await t.admin('POST', '/api/v1/queues/review/resume')).body).toEqual({ name: 'review', paused: false });
  // The held jobs complete: the completed rate over the recent samples shows it.
  await eventually(async () => ((await queue('review')).completedPerMinute ?? 0) > 0 ? true : undefined, 10_000, 'a completed rate');
  const final = await allFinal(t, ids, 15_000);
  expect([...final.values()].every((s) => s === 'delivered')).toBe(true);
  const drained = await eventually(async () => {
    const q = await queue('review');
    return !q.backlogGrowing && q.waiting === 0 ? q : undefined;
  }, 10_000, 'the backlog to drain');
  expect(drained).toMatchObject({ paused: false, waiting: 0, oldestWaitingAgeSeconds: null });
}

describe('pausing a carrier', () => {
  it('sends it nothing while paused (messages wait queued), and everything once resumed', async () => {
    const sim = t.gw.simulator!;
    const carriers = (await t.admin('GET', '/api/v1/carriers')).body.items as Array<{ id: string; name: string }>;
    const simulator = carriers.find((c) => c.name === 'simulator')!;
    const paused = await t.admin('POST', `/api/v1/carriers/${simulator.id}/pause`);
    expect(paused.body).toEqual({ id: simulator.id, name: 'simulator', paused: true, changed: true });
    expect((await t.admin('GET', '/api/v1/queues')).body.pausedCarriers).toEqual([
      { carrierId: simulator.id, name: 'simulator', pausedAt: expect.any(String), actor: 'operator' },
    ]);
    const listed = (await t.admin('GET', '/api/v1/carriers')).body.items as Array<{ name: string; paused: boolean }>;
    expect(listed.map((c) => [c.name, c.paused]).sort()).toEqual([['flaky', false], ['simulator', true]]);
    const submitted: string[] = [];
    const onSubmit = (s: { destinationAddr: string }) => submitted.push(s.destinationAddr);
    sim.on('submit', onSubmit);
    try {
      const ids = await send(t, creds, ['989122220001', '989122220002']);
      // Dispatch ran, found its only carrier paused, and put the messages back to wait (delayed jobs).
      await eventually(async () => ((await queue('dispatch')).delayed >= 1 ? true : undefined), 5_000, 'dispatch to defer the messages');
      await eventually(async () => ((await t.gw.db.raw(`SELECT count(*)::int AS n FROM message_events WHERE message_id = ANY(?::uuid[]) AND status = 'queued'`, [ids])).rows[0].n === 2 ? true : undefined), 5_000, 'both charged');
      // Three dispatch rounds later (job ids count the waits: ...w3), still nothing went out.
      const dispatch = new Queue('dispatch', bullOptions());
      try {
        await eventually(async () => {
          const jobs = await dispatch.getJobs(['delayed', 'completed', 'active', 'prioritized', 'wait']);
          return jobs.some((j) => j && j.id?.startsWith(`dispatch.${ids[0]}`) && /\.w([3-9]|\d\d)$/.test(j.id)) ? true : undefined;
        }, 10_000, 'three dispatch rounds');
      } finally {
        await dispatch.close();
      }
      expect(submitted.filter((to) => to.startsWith('98912222'))).toEqual([]);
      expect([...(await statuses(t, ids)).values()]).toEqual(['queued', 'queued']);

      const resumed = await t.admin('POST', `/api/v1/carriers/${simulator.id}/resume`);
      expect(resumed.body).toEqual({ id: simulator.id, name: 'simulator', paused: false, changed: true });
      const final = await allFinal(t, ids, 10_000);
      expect([...final.values()]).toEqual(['delivered', 'delivered']);
      expect(submitted.filter((to) => to.startsWith('98912222')).sort()).toEqual(['989122220001', '989122220002']);
      expect((await t.admin('GET', '/api/v1/queues')).body.pausedCarriers).toEqual([]);
    } finally {
      sim.off('submit', onSubmit);
      await t.admin('POST', `/api/v1/carriers/${simulator.id}/resume`);
    }
    expect((await t.admin('POST', '/api/v1/carriers/00000000-0000-4000-8000-000000000000/pause')).status).toBe(404);
  });
});

describe('failed jobs', () => {
  it('are counted, and retry-failed runs them again', async () => {
    const review = new Queue('review', bullOptions());
    try {
      // Two review jobs whose data the processor refuses: they fail at once (one attempt).
      for (const n of [1, 2]) await review.add('review', { messageIds: [`broken-${n}`] }, { jobId: `broken-${n}`, attempts: 1 });
      await eventually(async () => ((await queue('review')).failed === 2 ? true : undefined), 5_000, 'two failed jobs');
      // The cause is fixed (here: the data), then the operator retries.
      for (const n of [1, 2]) await (await review.getJob(`broken-${n}`))!.updateData({ ids: [] });
      const retried = await t.admin('POST', '/api/v1/queues/review/retry-failed');
      expect(retried.body).toEqual({ name: 'review', retried: 2 });
      await eventually(async () => ((await queue('review')).failed === 0 ? true : undefined), 5_000, 'no failed job left');
      for (const n of [1, 2]) {
        await eventually(async () => ((await (await review.getJob(`broken-${n}`))!.getState()) === 'completed' ? true : undefined), 5_000, `job ${n} completed`);
      }
      expect((await t.admin('POST', '/api/v1/queues/review/retry-failed')).body).toEqual({ name: 'review', retried: 0 });
    } finally {
      await review.close();
    }
  });
});

describe('the dead-letter queue in bulk', () => {
  async function deadLettered(ids: string[]) {
    return eventually(async () => {
      const r = await t.admin('GET', '/api/v1/dlq?limit=500');
      const mine = r.body.items.filter((i: { id: string }) => ids.includes(i.id));
      return mine.length === ids.length ? mine : undefined;
    }, 15_000, `${ids.length} messages in the dead-letter queue`);
  }

  it('requeue-all sends every dead letter back to dispatch; discard-all fails and refunds them', async () => {
    flaky.sim.setBehaviour({ kind: 'reject', commandStatus: 0x08 });
    const first = await send(t, creds, ['61420000101', '61420000102', '61420000103']);
    await deadLettered(first);
    flaky.sim.setBehaviour('normal');
    const requeued = await t.admin('POST', '/api/v1/dlq/requeue-all');
    expect(requeued).toMatchObject({ status: 202, body: { requeued: 3 } });
    const final = await allFinal(t, first, 10_000);
    expect([...final.values()]).toEqual(['delivered', 'delivered', 'delivered']);

    flaky.sim.setBehaviour({ kind: 'reject', commandStatus: 0x08 });
    const second = await send(t, creds, ['61420000201', '61420000202']);
    await deadLettered(second);
    flaky.sim.setBehaviour('normal');
    const discarded = await t.admin('POST', '/api/v1/dlq/discard-all');
    expect(discarded.body).toEqual({ discarded: 2, refunded: 10 });
    expect([...(await statuses(t, second)).values()]).toEqual(['failed', 'failed']);
    expect((await t.admin('GET', '/api/v1/dlq')).body.items).toEqual([]);
  });
});

describe('bull-board at /admin/queues', () => {
  it('answers 401 without operator credentials, 200 with the bearer token or the cookie that ?token= sets', async () => {
    expect((await fetch(`${t.base}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${t.base}/admin/queues?token=wrong`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${t.base}/admin/queues`, { headers: { cookie: 'smsgw_admin=forged' } })).status).toBe(401);

    const page = await fetch(`${t.base}/admin/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>smsgw queues</title>');
    const api = await fetch(`${t.base}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['batch', 'dispatch', 'dispatch-express', 'dlr', 'notify', 'review', 'rollup', 'sweep']);

    const login = await fetch(`${t.base}/admin/queues?token=${ADMIN_TOKEN}`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/admin/queues');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^smsgw_admin=[\w-]+; Path=\/admin\/queues; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    const withCookie = await fetch(`${t.base}/admin/queues`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
  });
});
