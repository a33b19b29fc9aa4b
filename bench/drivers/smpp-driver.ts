/**
 * SMPP load: `binds` transceiver binds of one app (our SmppSession acting as
 * an ESME), `window` outstanding submit_sm each, registered_delivery 1. A
 * message is accepted at its submit_sm_resp (message_id = the gateway id) and
 * complete when its receipt (deliver_sm with receipted_message_id) arrives
 * on any of the binds; every deliver_sm is answered at once.
 */
import { connect } from 'node:net';
import { SmppSession } from '../../src/smpp/session';
import type { ChannelRecorder } from '../recorder';
import { benchNumber, openLoop } from './http-client';

/** SMPP message_state (§5.2.28) -> final status word. */
const MESSAGE_STATES: Record<number, string> = { 2: 'delivered', 3: 'expired', 5: 'undelivered', 8: 'rejected' };

export interface SmppLoad {
  readonly messages: number;
  readonly binds: number;
  readonly window: number;
  readonly recorder: ChannelRecorder;
  readonly offset: number;
  /** Offered submit_sm/s on a fixed schedule (open loop) instead of keeping every window full. */
  readonly rate?: number;
}

export interface SmppTarget {
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
}

/** Resolves when every submit_sm is answered; the binds stay open for the receipts until close(). */
export async function driveSmpp(load: SmppLoad, target: SmppTarget): Promise<{ close(): Promise<void> }> {
  const sessions: SmppSession[] = [];
  for (let i = 0; i < load.binds; i++) {
    const socket = connect(target.port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const session = new SmppSession(socket, {
      windowSize: load.window,
      windowWaitMs: 120_000,
      responseTimeoutMs: 60_000,
      inboundWindowSize: 1_000,
      label: `bench#${i}`,
      onRequest: (pdu) => {
        if (pdu.command === 'deliver_sm' && pdu.fields.receipted_message_id) {
          load.recorder.completed(String(pdu.fields.receipted_message_id), MESSAGE_STATES[pdu.fields.message_state ?? 0] ?? 'unknown');
        }
        return { fields: { message_id: '' } };
      },
    });
    await session.bind('transceiver', { system_id: target.systemId, password: target.password });
    sessions.push(session);
  }

  const submit = async (session: SmppSession, i: number): Promise<void> => {
    const n = load.offset + i;
    const t0 = performance.now();
    try {
      const r = await session.request('submit_sm', {
        source_addr: 'BENCH',
        destination_addr: benchNumber(n),
        short_message: Buffer.from(`bench message ${n}`),
        registered_delivery: 1,
      });
      const id = (r.fields as { message_id?: string }).message_id;
      if (r.commandStatus !== 0 || !id) load.recorder.refused();
      else load.recorder.accepted(id, performance.now() - t0);
    } catch {
      load.recorder.refused();
    }
  };

  load.recorder.begin();
  if (load.rate) {
    await openLoop(load.messages, load.rate, (i) => submit(sessions[i % sessions.length]!, i));
  } else {
    let next = 0;
    // binds x window submitters: each bind always has `window` submit_sm outstanding.
    await Promise.all(
      Array.from({ length: load.binds * load.window }, async (_, worker) => {
        const session = sessions[worker % sessions.length]!;
        while (next < load.messages) await submit(session, next++);
      }),
    );
  }
  load.recorder.endAccept();
  return { close: async () => void (await Promise.all(sessions.map((s) => s.unbind().catch(() => undefined)))) };
}
