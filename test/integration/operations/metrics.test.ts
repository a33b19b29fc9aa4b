/**
 * /metrics after known traffic, with an edge (api,smpp) and a workers
 * process on one database and one set of queues, as `npm start` runs them:
 * each counter lives in the process that did the work, so both are scraped
 * and their deltas asserted exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue, type Sample } from '../../../src/metrics/prometheus-text';
import { boundEsme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type TestGateway } from '../../helpers/gateway';

let edge: TestGateway;
let workers: TestGateway;

beforeAll(async () => {
  edge = await startTestGateway({
    env: { GATEWAY_ROLES: 'api,smpp' },
    simulatorOptions: {
      dlrDelayMs: 20,
      rules: [
        { prefix: '98999', stat: 'UNDELIV', err: '001' },
        { prefix: '98998', stat: 'REJECTD', err: '002' },
      ],
    },
  });
  workers = await startTestGateway({ joinOf: edge, env: { GATEWAY_ROLES: 'workers', SIMULATOR: '0' } });
});

afterAll(async () => {
  await workers?.stop();
  await edge?.stop();
});

async function scrape(t: TestGateway): Promise<Sample[]> {
  const response = await fetch(`${t.base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheusText(await response.text());
}

const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) =>
  sampleValue(after, name, labels) - sampleValue(before, name, labels);

describe('metrics after known traffic', () => {
  it('count 5 HTTP and 1 SMPP submissions on the edge, and their outcomes, charges and refunds on the workers', async () => {
    const { creds } = await edge.customer(1000);
    const esme = await boundEsme(edge.smppPort, creds, 'transceiver');
    // Both processes are up and the carrier is bound before the baseline.
    await eventually(async () => (sampleValue(await scrape(workers), 'smsgw_smpp_sessions', { side: 'carrier' }) === 2 ? true : undefined), 10_000, 'two carrier binds');
    const edgeBefore = await scrape(edge);
    const workersBefore = await scrape(workers);

    for (const to of ['989121000001', '989121000002', '989121000003', '989991000004', '989981000005']) {
      const sent = await edge.asApp(creds, 'POST', '/api/v1/messages', { to, text: 'metrics' });
      expect(sent.status).toBe(202);
    }
    const resp = await esme.request('submit_sm', { destination_addr: '989121000006', short_message: 'metrics over smpp' });
    expect(resp.command_status).toBe(0);

    const workersAfter = await eventually(async () => {
      const s = await scrape(workers);
      return delta(workersBefore, s, 'smsgw_messages_final_total') === 6 && delta(workersBefore, s, 'smsgw_billing_refunded_total') === 10 ? s : undefined;
    }, 20_000, 'six final messages and two refunds on the workers');
    const edgeAfter = await scrape(edge);

    // The edge: what was accepted, by channel, and how fast it was acknowledged.
    expect(delta(edgeBefore, edgeAfter, 'smsgw_messages_accepted_total', { channel: 'http' })).toBe(5);
    expect(delta(edgeBefore, edgeAfter, 'smsgw_messages_accepted_total', { channel: 'smpp' })).toBe(1);
    expect(delta(edgeBefore, edgeAfter, 'smsgw_accept_latency_seconds_count', { channel: 'http' })).toBe(5);
    expect(delta(edgeBefore, edgeAfter, 'smsgw_accept_latency_seconds_count', { channel: 'smpp' })).toBe(1);
    expect(delta(edgeBefore, edgeAfter, 'smsgw_accept_latency_seconds_bucket', { channel: 'http', le: '+Inf' })).toBe(5);
    expect(sampleValue(edgeAfter, 'smsgw_smpp_sessions', { side: 'server' })).toBe(1);
    // ... and none of the workers' counters.
    expect(delta(edgeBefore, edgeAfter, 'smsgw_messages_final_total')).toBe(0);
    expect(delta(edgeBefore, edgeAfter, 'smsgw_billing_charged_total')).toBe(0);

    // The workers: 6 x 5 charged, the undelivered and the rejected one refunded.
    expect(delta(workersBefore, workersAfter, 'smsgw_messages_final_total', { status: 'delivered' })).toBe(4);
    expect(delta(workersBefore, workersAfter, 'smsgw_messages_final_total', { status: 'undelivered' })).toBe(1);
    expect(delta(workersBefore, workersAfter, 'smsgw_messages_final_total', { status: 'rejected' })).toBe(1);
    expect(delta(workersBefore, workersAfter, 'smsgw_carrier_submits_total', { carrier: 'simulator', result: 'accepted' })).toBe(6);
    expect(delta(workersBefore, workersAfter, 'smsgw_carrier_submits_total')).toBe(6);
    expect(delta(workersBefore, workersAfter, 'smsgw_billing_charged_total')).toBe(30);
    expect(delta(workersBefore, workersAfter, 'smsgw_billing_refunded_total')).toBe(10);
    expect(delta(workersBefore, workersAfter, 'smsgw_delivery_latency_seconds_count')).toBe(4);
    expect(delta(workersBefore, workersAfter, 'smsgw_delivery_latency_seconds_bucket', { le: '+Inf' })).toBe(4);
    expect(delta(workersBefore, workersAfter, 'smsgw_messages_accepted_total')).toBe(0);
    expect(sampleValue(workersAfter, 'smsgw_carrier_breaker_state', { carrier: 'simulator' })).toBe(0);
    expect(sampleValue(workersAfter, 'smsgw_smpp_sessions', { side: 'carrier' })).toBe(2);
    esme.close();
  });

  it('read queue depths from BullMQ at scrape, in every process', async () => {
    expect((await edge.admin('POST', '/api/v1/queues/review/pause')).status).toBe(200);
    try {
      const { creds } = await edge.customer(1000);
      for (let i = 0; i < 3; i++) expect((await edge.asApp(creds, 'POST', '/api/v1/messages', { to: `98912100010${i}`, text: 'queued' })).status).toBe(202);
      for (const t of [edge, workers]) {
        const samples = await scrape(t);
        // Review jobs carry a priority (express, normal, bulk), so a paused queue's jobs stay in
        // BullMQ's prioritized set: none runs, none is in the wait or paused lists.
        expect(sampleValue(samples, 'smsgw_queue_jobs', { queue: 'review', state: 'prioritized' })).toBe(3);
        expect(sampleValue(samples, 'smsgw_queue_jobs', { queue: 'review', state: 'active' })).toBe(0);
        expect(sampleValue(samples, 'smsgw_queue_jobs', { queue: 'review', state: 'waiting' })).toBe(0);
        expect(sampleValue(samples, 'smsgw_queue_jobs', { queue: 'dispatch', state: 'active' })).toBe(0);
        expect(sampleValue(samples, 'smsgw_queue_jobs', { queue: 'dlq', state: 'waiting' })).toBe(0);
      }
    } finally {
      await edge.admin('POST', '/api/v1/queues/review/resume');
    }
  });

  it('carry process metrics and no unbounded label (no number, no message id)', async () => {
    for (const t of [edge, workers]) {
      const samples = await scrape(t);
      expect(sampleValue(samples, 'smsgw_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sampleValue(samples, 'smsgw_process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(samples.some((s) => s.name === 'smsgw_nodejs_eventloop_lag_p99_seconds')).toBe(true);
      expect(sampleValue(samples, 'smsgw_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      for (const s of samples) {
        for (const value of Object.values(s.labels)) {
          expect(value, `${s.name} ${JSON.stringify(s.labels)}`).not.toMatch(/^\d{5,}$|^[0-9a-f]{8}-[0-9a-f]{4}-/);
        }
      }
    }
  });
});
