import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_STATUS, PduFramer, decodePdu, encodePdu, type OutgoingPdu, type Pdu } from '../../../src/smpp/codec';
import {
  MAX_SEQUENCE_NUMBER,
  SmppBindError,
  SmppProtocolError,
  SmppResponseTimeoutError,
  SmppSession,
  SmppSessionClosedError,
  SmppStateError,
  SmppWindowTimeoutError,
  type RequestAnswer,
  type SmppSessionOptions,
} from '../../../src/smpp/session';
import { waitFor } from '../../helpers/wait';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});


/** A connected socket pair on 127.0.0.1:0. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, 'connection');
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = (await accepted) as [net.Socket];
  listener.close();
  cleanups.push(() => {
    client.destroy();
    server.destroy();
  });
  return { client, server };
}

async function sessionPair(
  serverOptions: SmppSessionOptions = {},
  clientOptions: SmppSessionOptions & { firstSequenceNumber?: number } = {},
): Promise<{ client: SmppSession; server: SmppSession }> {
  const { client, server } = await socketPair();
  const s = new SmppSession(server, { onRequest: () => ({}), ...serverOptions });
  const c = new SmppSession(client, clientOptions);
  cleanups.push(() => {
    s.close();
    c.close();
  });
  return { client: c, server: s };
}

/** A hand-driven peer that speaks raw PDUs, to misbehave on purpose. */
class RawPeer {
  readonly received: Pdu[] = [];
  private readonly framer = new PduFramer();
  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.received.push(decodePdu(frame));
    });
  }
  send(pdu: OutgoingPdu): void {
    this.socket.write(encodePdu(pdu));
  }
  next(predicate: (pdu: Pdu) => boolean): Promise<Pdu> {
    return waitFor(() => this.received.find(predicate));
  }
}

async function boundServerAndRawClient(serverOptions: SmppSessionOptions = {}): Promise<{ server: SmppSession; raw: RawPeer }> {
  const { client, server } = await socketPair();
  const session = new SmppSession(server, { onRequest: () => ({}), ...serverOptions });
  cleanups.push(() => session.close());
  const raw = new RawPeer(client);
  raw.send({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: 'raw', password: 'pw' } });
  await raw.next((p) => p.command === 'bind_transceiver_resp');
  return { server: session, raw };
}

const SUBMIT = { destination_addr: '989121234567', short_message: Buffer.from('hi') } as const;

describe('SmppSession binding', () => {
  it('binds both sides when the handler accepts, with the bind type and system_id in the state', async () => {
    const { client, server } = await sessionPair();
    await client.bind('transceiver', { system_id: 'acme', password: 'secret' });
    expect(client.state).toMatchObject({ kind: 'bound', bindType: 'transceiver', systemId: 'acme' });
    await waitFor(() => server.isBound);
    expect(server.state).toMatchObject({ kind: 'bound', bindType: 'transceiver', systemId: 'acme' });
  });

  it('throws SmppBindError with the status when the peer refuses, and stays open', async () => {
    const { client } = await sessionPair({ onRequest: () => ({ commandStatus: COMMAND_STATUS.ESME_RINVPASWD }) });
    const error = await client.bind('transmitter', { system_id: 'acme', password: 'wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmppBindError);
    expect((error as SmppBindError).commandStatus).toBe(0x0e);
    expect(client.state.kind).toBe('open');
  });

  it('refuses to send submit_sm before bind (nothing sent), and answers a peer that tries with ESME_RINVBNDSTS', async () => {
    const { client } = await sessionPair();
    const error = await client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmppStateError);
    expect((error as SmppStateError).sent).toBe(false);

    const pair = await socketPair();
    cleanups.push(() => server.close());
    const server = new SmppSession(pair.server, { onRequest: () => ({}) });
    const raw = new RawPeer(pair.client);
    raw.send({ command: 'submit_sm', sequenceNumber: 5, fields: SUBMIT });
    const resp = await raw.next((p) => p.sequenceNumber === 5);
    expect(resp).toMatchObject({ command: 'submit_sm_resp', commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS });
  });

  it('answers a second bind with ESME_RALYBND', async () => {
    const { raw } = await boundServerAndRawClient();
    raw.send({ command: 'bind_transceiver', sequenceNumber: 2, fields: { system_id: 'raw' } });
    expect(await raw.next((p) => p.sequenceNumber === 2)).toMatchObject({ commandStatus: COMMAND_STATUS.ESME_RALYBND });
  });
});

describe('SmppSession window and timeouts', () => {
  it('never has more than windowSize requests outstanding; later callers wait for a slot', async () => {
    const held: Array<() => void> = [];
    let outstanding = 0;
    let maxOutstanding = 0;
    const { client } = await sessionPair(
      {
        onRequest: (pdu) =>
          pdu.command === 'submit_sm'
            ? new Promise<RequestAnswer>((resolve) => {
                outstanding++;
                maxOutstanding = Math.max(maxOutstanding, outstanding);
                held.push(() => {
                  outstanding--;
                  resolve({ fields: { message_id: `m${pdu.sequenceNumber}` } });
                });
              })
            : {},
      },
      { windowSize: 2 },
    );
    await client.bind('transceiver', { system_id: 'a' });
    const results = Array.from({ length: 6 }, () => client.request('submit_sm', SUBMIT));
    for (let answered = 0; answered < 6; answered++) {
      await waitFor(() => held.length > 0);
      expect(client.inFlight).toBeLessThanOrEqual(2);
      held.shift()?.();
    }
    const responses = await Promise.all(results);
    expect(responses.every((r) => r.command === 'submit_sm_resp' && r.commandStatus === 0)).toBe(true);
    expect(maxOutstanding).toBe(2);
    expect(client.inFlight).toBe(0);
  });

  it('rejects a caller with SmppWindowTimeoutError (not sent) when no slot frees within windowWaitMs', async () => {
    const { client } = await sessionPair({ onRequest: (pdu) => (pdu.command === 'submit_sm' ? null : {}) }, { windowSize: 1, windowWaitMs: 50, responseTimeoutMs: 400 });
    await client.bind('transceiver', { system_id: 'a' });
    const first = client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    const second = await client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(SmppWindowTimeoutError);
    expect((second as SmppWindowTimeoutError).sent).toBe(false);
    expect(await first).toBeInstanceOf(SmppResponseTimeoutError);
  });

  it('rejects with SmppResponseTimeoutError (sent: unknown outcome) after responseTimeoutMs and frees the slot', async () => {
    const { client } = await sessionPair({ onRequest: (pdu) => (pdu.command === 'submit_sm' ? null : {}) }, { responseTimeoutMs: 100 });
    await client.bind('transceiver', { system_id: 'a' });
    const started = Date.now();
    const error = await client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmppResponseTimeoutError);
    expect((error as SmppResponseTimeoutError).sent).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(client.inFlight).toBe(0);
  });

  it('wraps sequence numbers from 0x7FFFFFFF to 1', async () => {
    const seen: number[] = [];
    const { client } = await sessionPair(
      { onRequest: (pdu) => (seen.push(pdu.sequenceNumber), pdu.command === 'submit_sm' ? { fields: { message_id: 'x' } } : {}) },
      { firstSequenceNumber: MAX_SEQUENCE_NUMBER - 1 },
    );
    await client.bind('transceiver', { system_id: 'a' });
    await client.request('submit_sm', SUBMIT);
    await client.request('submit_sm', SUBMIT);
    expect(seen).toEqual([MAX_SEQUENCE_NUMBER - 1, MAX_SEQUENCE_NUMBER, 1]);
  });

  it('rejects outstanding requests with SmppSessionClosedError (sent) when the peer drops the socket', async () => {
    const { client, server } = await sessionPair({ onRequest: (pdu) => (pdu.command === 'submit_sm' ? null : {}) });
    await client.bind('transceiver', { system_id: 'a' });
    const pending = client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    await waitFor(() => client.inFlight === 1);
    server.socket.destroy();
    const error = await pending;
    expect(error).toBeInstanceOf(SmppSessionClosedError);
    expect((error as SmppSessionClosedError).sent).toBe(true);
    expect((await client.closed).reason).toBe('peer-closed');
  });
});

describe('SmppSession protocol hygiene', () => {
  it('answers an unknown command_id with generic_nack ESME_RINVCMDID and stays up', async () => {
    const { raw } = await boundServerAndRawClient();
    raw.socket.write(Buffer.from('00000010000000990000000000000007', 'hex'));
    expect(await raw.next((p) => p.sequenceNumber === 7)).toMatchObject({ command: 'generic_nack', commandStatus: COMMAND_STATUS.ESME_RINVCMDID });
    raw.send({ command: 'enquire_link', sequenceNumber: 8 });
    expect(await raw.next((p) => p.sequenceNumber === 8)).toMatchObject({ command: 'enquire_link_resp', commandStatus: 0 });
  });

  it('answers a malformed submit_sm (C-string without NUL) with generic_nack ESME_RINVCMDLEN', async () => {
    const { raw } = await boundServerAndRawClient();
    raw.socket.write(Buffer.from('0000001400000004000000000000000941424344', 'hex'));
    expect(await raw.next((p) => p.sequenceNumber === 9)).toMatchObject({ command: 'generic_nack', commandStatus: COMMAND_STATUS.ESME_RINVCMDLEN });
  });

  it('answers a submit_sm with a malformed validity_period with submit_sm_resp ESME_RINVEXPIRY', async () => {
    const { raw } = await boundServerAndRawClient();
    const good = encodePdu({ command: 'submit_sm', sequenceNumber: 10, fields: { ...SUBMIT, validity_period: '000001000000000R' } });
    const bad = Buffer.from(good.toString('latin1').replace('000001000000000R', '000001R'), 'latin1');
    bad.writeUInt32BE(bad.length, 0);
    raw.socket.write(bad);
    expect(await raw.next((p) => p.sequenceNumber === 10)).toMatchObject({ command: 'submit_sm_resp', commandStatus: COMMAND_STATUS.ESME_RINVEXPIRY });
  });

  it('answers generic_nack ESME_RINVCMDID when no handler is set', async () => {
    const pair = await socketPair();
    const server = new SmppSession(pair.server);
    cleanups.push(() => server.close());
    const raw = new RawPeer(pair.client);
    raw.send({ command: 'bind_transceiver', sequenceNumber: 3, fields: { system_id: 'x' } });
    expect(await raw.next((p) => p.sequenceNumber === 3)).toMatchObject({ command: 'generic_nack', commandStatus: COMMAND_STATUS.ESME_RINVCMDID });
  });

  it('closes the socket on a command_length below 16 (framing lost)', async () => {
    const { server, raw } = await boundServerAndRawClient();
    raw.socket.write(Buffer.from('0000000800000015', 'hex'));
    expect((await server.closed).reason).toBe('framing-error');
  });

  it('answers a peer unbind with unbind_resp and closes', async () => {
    const { server, raw } = await boundServerAndRawClient();
    raw.send({ command: 'unbind', sequenceNumber: 4 });
    expect(await raw.next((p) => p.sequenceNumber === 4)).toMatchObject({ command: 'unbind_resp', commandStatus: 0 });
    expect((await server.closed).reason).toBe('unbound');
  });

  it('answers ESME_RSYSERR when the handler throws', async () => {
    const { raw } = await boundServerAndRawClient({
      onRequest: (pdu) => {
        if (pdu.command === 'submit_sm') throw new Error('boom');
        return {};
      },
    });
    raw.send({ command: 'submit_sm', sequenceNumber: 6, fields: SUBMIT });
    expect(await raw.next((p) => p.sequenceNumber === 6)).toMatchObject({ command: 'submit_sm_resp', commandStatus: COMMAND_STATUS.ESME_RSYSERR });
  });
});

/** Our client session bound to a raw SMSC that answers the bind and then does what each test says. */
async function clientAndRawSmsc(clientOptions: SmppSessionOptions = {}): Promise<{ client: SmppSession; raw: RawPeer }> {
  const pair = await socketPair();
  const raw = new RawPeer(pair.server);
  const client = new SmppSession(pair.client, clientOptions);
  cleanups.push(() => client.close());
  const binding = client.bind('transceiver', { system_id: 'a' });
  const bind = await raw.next((p) => p.command === 'bind_transceiver');
  raw.send({ command: 'bind_transceiver_resp', sequenceNumber: bind.sequenceNumber, fields: { system_id: 'smsc' } });
  await binding;
  return { client, raw };
}

describe('SmppSession responses', () => {
  it('rejects with SmppProtocolError carrying the header status when the response is malformed', async () => {
    const { client, raw } = await clientAndRawSmsc();
    const pending = client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    const submit = await raw.next((p) => p.command === 'submit_sm');
    const bad = Buffer.from('0000001580000004000000450000000041424344', 'hex'); // message_id without NUL, status 0x45
    bad.writeUInt32BE(bad.length, 0);
    bad.writeUInt32BE(submit.sequenceNumber, 12);
    raw.socket.write(bad);
    const error = await pending;
    expect(error).toBeInstanceOf(SmppProtocolError);
    expect((error as SmppProtocolError).commandStatus).toBe(0x45);
  });

  it('rejects with SmppProtocolError when the response is of another command', async () => {
    const { client, raw } = await clientAndRawSmsc();
    const pending = client.request('submit_sm', SUBMIT).catch((e: unknown) => e);
    const submit = await raw.next((p) => p.command === 'submit_sm');
    raw.send({ command: 'deliver_sm_resp', sequenceNumber: submit.sequenceNumber, fields: { message_id: 'x' } });
    expect(await pending).toBeInstanceOf(SmppProtocolError);
  });

  it('resolves with a generic_nack answering a request', async () => {
    const { client, raw } = await clientAndRawSmsc();
    const pending = client.request('submit_sm', SUBMIT);
    const submit = await raw.next((p) => p.command === 'submit_sm');
    raw.send({ command: 'generic_nack', sequenceNumber: submit.sequenceNumber, commandStatus: COMMAND_STATUS.ESME_RSYSERR });
    expect(await pending).toMatchObject({ command: 'generic_nack', commandStatus: COMMAND_STATUS.ESME_RSYSERR });
  });

  it('still takes responses while its inbound window is full of requests awaiting the handler', async () => {
    const held: Array<() => void> = [];
    const { client, raw } = await clientAndRawSmsc({
      inboundWindowSize: 2,
      onRequest: () => new Promise<RequestAnswer>((resolve) => held.push(() => resolve({ fields: { message_id: '' } }))),
    });
    for (let seq = 50; seq < 53; seq++) raw.send({ command: 'deliver_sm', sequenceNumber: seq, fields: SUBMIT });
    await waitFor(() => held.length === 2);
    const pending = client.request('submit_sm', SUBMIT);
    const submit = await raw.next((p) => p.command === 'submit_sm');
    raw.send({ command: 'submit_sm_resp', sequenceNumber: submit.sequenceNumber, fields: { message_id: 'id1' } });
    expect(await pending).toMatchObject({ fields: { message_id: 'id1' } });
    expect(held.length).toBe(2);
    held.shift()?.();
    await waitFor(() => held.length === 2); // the third deliver_sm reaches the handler only now
    for (const release of held.splice(0)) release();
    await waitFor(() => raw.received.filter((p) => p.command === 'deliver_sm_resp').length === 3);
  });

  it('lets waiting callers in at once when the window grows', async () => {
    const { client, raw } = await clientAndRawSmsc({ windowSize: 1 });
    const first = client.request('submit_sm', SUBMIT);
    const second = client.request('submit_sm', SUBMIT);
    await raw.next((p) => p.command === 'submit_sm');
    expect(client.inFlight).toBe(1);
    client.setWindowSize(2);
    await waitFor(() => raw.received.filter((p) => p.command === 'submit_sm').length === 2);
    for (const p of raw.received.filter((r) => r.command === 'submit_sm')) {
      raw.send({ command: 'submit_sm_resp', sequenceNumber: p.sequenceNumber, fields: { message_id: String(p.sequenceNumber) } });
    }
    await Promise.all([first, second]);
  });
});

describe('SmppSession keep-alive and shutdown', () => {
  it('sends enquire_link when idle, and closes when the peer stops answering it', async () => {
    const pair = await socketPair();
    const raw = new RawPeer(pair.server);
    pair.server.on('data', () => {
      const bind = raw.received.find((p) => p.command === 'bind_transceiver');
      if (bind && !raw.received.some((p) => p.command === 'enquire_link')) {
        raw.send({ command: 'bind_transceiver_resp', sequenceNumber: bind.sequenceNumber, fields: { system_id: 'smsc' } });
      }
    });
    const client = new SmppSession(pair.client, { enquireLinkIntervalMs: 50, responseTimeoutMs: 100 });
    cleanups.push(() => client.close());
    await client.bind('transceiver', { system_id: 'a' });
    await raw.next((p) => p.command === 'enquire_link');
    expect((await client.closed).reason).toBe('enquire-link-timeout');
  });

  it('closes after inactivityTimeoutMs without traffic', async () => {
    const { client } = await sessionPair({}, { inactivityTimeoutMs: 80, enquireLinkIntervalMs: 1_000 });
    expect((await client.closed).reason).toBe('inactivity');
  });

  it('closes a session that never binds after bindTimeoutMs', async () => {
    const { server } = await sessionPair({ bindTimeoutMs: 60 });
    expect((await server.closed).reason).toBe('bind-timeout');
  });

  it('unbind() waits for outstanding responses, then unbinds both sides', async () => {
    let release: (() => void) | undefined;
    const { client, server } = await sessionPair({
      onRequest: (pdu) =>
        pdu.command === 'submit_sm' ? new Promise<RequestAnswer>((resolve) => (release = () => resolve({ fields: { message_id: 'late' } }))) : {},
    });
    await client.bind('transceiver', { system_id: 'a' });
    const pending = client.request('submit_sm', SUBMIT);
    await waitFor(() => release);
    const unbinding = client.unbind();
    expect(client.state.kind).toBe('unbinding');
    await expect(client.request('submit_sm', SUBMIT)).rejects.toBeInstanceOf(SmppStateError);
    release?.();
    expect(await pending).toMatchObject({ command: 'submit_sm_resp', fields: { message_id: 'late' } });
    await unbinding;
    expect((await client.closed).reason).toBe('unbound');
    expect((await server.closed).reason).toBe('unbound');
  });

  it('stops reading while inboundWindowSize requests await the handler (back-pressure)', async () => {
    const held: Array<() => void> = [];
    const { raw, server } = await boundServerAndRawClient({
      inboundWindowSize: 5,
      onRequest: (pdu) =>
        pdu.command === 'submit_sm' ? new Promise<RequestAnswer>((resolve) => held.push(() => resolve({ fields: { message_id: 'm' } }))) : {},
    });
    for (let i = 0; i < 50; i++) raw.send({ command: 'submit_sm', sequenceNumber: 100 + i, fields: SUBMIT });
    // All 50 may arrive in one read; the handler still sees only 5 at a time, and with 5 more queued the socket is not read.
    await waitFor(() => held.length === 5 && server.socket.isPaused());
    expect(held.length).toBe(5);
    held.shift()?.();
    await waitFor(() => raw.received.length === 2); // bind_resp + one submit_sm_resp
    expect(held.length).toBe(5);
    for (let released = 1; released < 50; released++) {
      await waitFor(() => held.length > 0);
      expect(held.length).toBeLessThanOrEqual(5);
      held.shift()?.();
    }
    await waitFor(() => raw.received.filter((p) => p.command === 'submit_sm_resp').length === 50);
    expect(server.socket.isPaused()).toBe(false);
    const order = raw.received.filter((p) => p.command === 'submit_sm_resp').map((p) => p.sequenceNumber);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
  });
});
