/**
 * HTTP load: `messages` single-recipient POSTs, `concurrency` keep-alive
 * clients in a closed loop. For smsgw: POST /api/v1/messages with a
 * callbackUrl to the sink (completion = the final status callback). For
 * Kannel: GET /cgi-bin/sendsms with dlr-mask for the final states and a
 * dlr-url to the sink (completion = the dlr-url call).
 */
import type { ChannelRecorder } from '../recorder';
import { KANNEL_FINAL_DLR_MASK } from '../sink';
import { benchNumber, KeepAliveClient, load as runLoad } from './http-client';

export interface HttpLoad {
  readonly messages: number;
  readonly concurrency: number;
  readonly recorder: ChannelRecorder;
  /** Added to the message index for the destination number and the key (distinct numbers per channel). */
  readonly offset: number;
  /** Offered messages/s on a fixed schedule (open loop) instead of the closed loop; concurrency caps the connections. */
  readonly rate?: number;
}

export async function driveSmsgwHttp(load: HttpLoad, target: { base: string; appId: string; secret: string; callbackUrl: string }): Promise<void> {
  const client = new KeepAliveClient(load.concurrency);
  const headers = { authorization: `Basic ${Buffer.from(`${target.appId}:${target.secret}`).toString('base64')}`, 'content-type': 'application/json' };
  const url = `${target.base}/api/v1/messages`;
  load.recorder.begin();
  await runLoad(load.messages, load.concurrency, load.rate, async (i) => {
    const n = load.offset + i;
    const body = JSON.stringify({ to: benchNumber(n), text: `bench message ${n}`, callbackUrl: target.callbackUrl });
    const t0 = performance.now();
    try {
      const r = await client.send('POST', url, headers, body);
      if (r.status !== 202) return load.recorder.refused();
      const id = (JSON.parse(r.body) as { messages: Array<{ id: string }> }).messages[0]!.id;
      load.recorder.accepted(id, performance.now() - t0);
    } catch {
      load.recorder.refused();
    }
  });
  load.recorder.endAccept();
  client.close();
}

export async function driveKannelHttp(load: HttpLoad, target: { sendsmsPort: number; dlrUrlBase: string }): Promise<void> {
  const client = new KeepAliveClient(load.concurrency);
  const base = `http://127.0.0.1:${target.sendsmsPort}/cgi-bin/sendsms`;
  load.recorder.begin();
  await runLoad(load.messages, load.concurrency, load.rate, async (i) => {
    const n = load.offset + i;
    const key = String(n);
    const query = new URLSearchParams({
      username: 'tester',
      password: 'tester-pw',
      from: 'BENCH',
      to: benchNumber(n),
      text: `bench message ${n}`,
      'dlr-mask': String(KANNEL_FINAL_DLR_MASK),
      'dlr-url': `${target.dlrUrlBase}?k=${key}&type=%d`,
    });
    const t0 = performance.now();
    try {
      const r = await client.send('GET', `${base}?${query}`);
      if (r.status !== 202) return load.recorder.refused();
      load.recorder.accepted(key, performance.now() - t0);
    } catch {
      load.recorder.refused();
    }
  });
  load.recorder.endAccept();
  client.close();
}
