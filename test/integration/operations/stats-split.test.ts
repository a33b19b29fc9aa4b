/**
 * The live statistics stream in the two-process layout of `npm start`: an
 * edge (api) and a workers process. The workers' counters (parts out, final
 * statuses) reach the edge's stream through Redis (src/workers/stats-board.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../../helpers/gateway';

interface StatsEvent {
  throughput: { inPerSecond: number; outPerSecond: number; finalPerSecond: number };
  totals: { accepted: number; submitted: number; final: Record<string, number> };
  deliveryRatio: { lastMinute: number | null; sinceStart: number | null };
}

let edge: TestGateway;
let workers: TestGateway;

beforeAll(async () => {
  edge = await startTestGateway({ env: { GATEWAY_ROLES: 'api' } });
  workers = await startTestGateway({ joinOf: edge, env: { GATEWAY_ROLES: 'workers', SIMULATOR: '0' } });
}, 60_000);

afterAll(async () => {
  await workers?.stop();
  await edge?.stop();
});

/** Reads `stats` events until `until` holds for the events so far, or the deadline passes. */
async function readStats(base: string, onFirst: () => Promise<void>, until: (events: StatsEvent[]) => boolean, deadlineMs: number): Promise<StatsEvent[]> {
  const controller = new AbortController();
  const response = await fetch(`${base}/api/v1/stream/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: StatsEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + deadlineMs;
  try {
    while (Date.now() < deadline && !until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes('event: stats') && data) {
          events.push(JSON.parse(data.slice(6)) as StatsEvent);
          if (events.length === 1) await onFirst();
        }
      }
    }
  } finally {
    controller.abort();
  }
  return events;
}

describe('the stats stream of an edge whose workers run in another process', () => {
  it("shows the workers' parts out, final statuses and delivery ratio", async () => {
    const { creds } = await edge.customer(1_000);
    const events = await readStats(
      edge.base,
      async () => {
        for (const to of ['989121234567', '989121234568', '989121234569']) {
          expect((await edge.asApp(creds, 'POST', '/api/v1/messages', { to, text: 'split stats' })).status).toBe(202);
        }
      },
      (seen) => (seen.at(-1)?.totals.final.delivered ?? 0) >= 3 && seen.some((e) => e.throughput.finalPerSecond > 0),
      25_000,
    );
    const last = events.at(-1)!;
    expect(last.totals).toMatchObject({ accepted: 3, submitted: 3, final: { delivered: 3 } });
    expect(last.deliveryRatio.sinceStart).toBe(1);
    expect(events.some((e) => e.throughput.inPerSecond > 0)).toBe(true);
    expect(events.some((e) => e.throughput.outPerSecond > 0)).toBe(true);
    expect(events.some((e) => e.throughput.finalPerSecond > 0)).toBe(true);
    // The edge process itself counted none of that: the figures are the workers'.
    expect((await edge.gw.metrics.messagesFinal.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
  }, 40_000);
});
