/**
 * Binds and the session on real sockets: credentials, brute-force
 * protection, the per-app bind limit, bind states, keep-alive both ways,
 * the idle timeout, unbind, generic_nack, malformed PDUs and TLS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { boundEsme, Esme } from '../../helpers/esme-client';
import { eventually, serverSessions, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { RawSmpp } from '../../helpers/raw-smpp';

const S = COMMAND_STATUS;
let t: TestGateway;
let creds: AppCreds;
let certDir: string | undefined;

function selfSignedCert(): { cert: string; key: string } | undefined {
  try {
    certDir = mkdtempSync(join(tmpdir(), 'smsgw-tls-'));
    const cert = join(certDir, 'cert.pem');
    const key = join(certDir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    return { cert, key };
  } catch {
    return undefined;
  }
}
const tls = selfSignedCert();

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      GATEWAY_ROLES: 'api,smpp',
      SMPP_MAX_BINDS_PER_APP: '2',
      ...(tls ? { SMPP_TLS_PORT: '0', SMPP_TLS_CERT: tls.cert, SMPP_TLS_KEY: tls.key } : {}),
    },
    smpp: { idleTimeoutMs: 900, loginGuard: { baseDelayMs: 20, maxFailures: 3, lockoutMs: 700 } },
  });
  creds = (await t.customer(1000)).creds;
});

afterAll(async () => {
  await t?.stop();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe('binding', () => {
  it('binds as transmitter, receiver and transceiver with the app credentials', async () => {
    for (const type of ['transmitter', 'receiver', 'transceiver'] as const) {
      const esme = await Esme.connect(t.smppPort);
      expect(await esme.bind(type, creds.smppSystemId, creds.smppPassword)).toBe(S.ESME_ROK);
      esme.close();
      await eventually(async () => ((await serverSessions(t)) === 0 ? true : undefined), 5_000, 'the bind to end');
    }
  });

  it('answers an unknown system_id with ESME_RINVSYSID and a wrong password with ESME_RINVPASWD', async () => {
    const esme = await Esme.connect(t.smppPort);
    expect(await esme.bind('transceiver', 'gwnosuchapp1', 'x')).toBe(S.ESME_RINVSYSID);
    expect(await esme.bind('transceiver', creds.smppSystemId, 'wrong')).toBe(S.ESME_RINVPASWD);
    esme.close();
  });

  it('locks an address out after repeated bad passwords, then lets it in again', async () => {
    const { creds: victim } = await t.customer(0);
    const esme = await Esme.connect(t.smppPort);
    for (let i = 0; i < 3; i++) expect(await esme.bind('transceiver', victim.smppSystemId, 'guess')).toBe(S.ESME_RINVPASWD);
    // Locked: even the right password is refused, without a password check.
    expect(await esme.bind('transceiver', victim.smppSystemId, victim.smppPassword)).toBe(S.ESME_RBINDFAIL);
    await new Promise((r) => setTimeout(r, 750)); // the configured lockout (700 ms) runs out
    expect(await esme.bind('transceiver', victim.smppSystemId, victim.smppPassword)).toBe(S.ESME_ROK);
    esme.close();
  });

  it('refuses a second bind on the same session with ESME_RALYBND', async () => {
    const esme = await boundEsme(t.smppPort, creds);
    expect(await esme.bind('transceiver', creds.smppSystemId, creds.smppPassword)).toBe(S.ESME_RALYBND);
    esme.close();
  });

  it('holds an app to its bind limit (SMPP_MAX_BINDS_PER_APP) and frees the slot on unbind', async () => {
    const { creds: app } = await t.customer(0);
    const a = await boundEsme(t.smppPort, app);
    const b = await boundEsme(t.smppPort, app);
    const c = await Esme.connect(t.smppPort);
    expect(await c.bind('transmitter', app.smppSystemId, app.smppPassword)).toBe(S.ESME_RBINDFAIL);
    expect((await a.request('unbind')).command_status).toBe(S.ESME_ROK);
    await eventually(async () => ((await c.bind('transmitter', app.smppSystemId, app.smppPassword)) === S.ESME_ROK ? true : undefined), 5_000, 'a free slot');
    b.close();
    c.close();
  });

  it('answers submit_sm before a bind, and on a receiver bind, with ESME_RINVBNDSTS', async () => {
    const esme = await Esme.connect(t.smppPort);
    expect((await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('x') })).command_status).toBe(S.ESME_RINVBNDSTS);
    expect(await esme.bind('receiver', creds.smppSystemId, creds.smppPassword)).toBe(S.ESME_ROK);
    expect((await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('x') })).command_status).toBe(S.ESME_RINVBNDSTS);
    esme.close();
  });

  it('counts bound customer sessions in smsgw_smpp_sessions{side="server"}', async () => {
    const is = (n: number) => eventually(async () => ((await serverSessions(t)) === n ? true : undefined), 5_000, `the gauge to read ${n}`);
    await is(0); // earlier tests' clients are gone
    const esme = await boundEsme(t.smppPort, creds);
    await is(1);
    esme.close();
    await is(0);
  });
});

describe('the session', () => {
  it('answers many outstanding submit_sm asynchronously, each with its own sequence number', async () => {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.send({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: creds.smppSystemId, password: creds.smppPassword } });
    expect((await raw.next((p) => p.command === 'bind_transceiver_resp')).commandStatus).toBe(S.ESME_ROK);
    for (let i = 0; i < 50; i++) {
      raw.send({ command: 'submit_sm', sequenceNumber: 100 + i, fields: { destination_addr: `9891200000${String(i).padStart(2, '0')}`, short_message: Buffer.from(`m${i}`) } });
    }
    await eventually(async () => (raw.pdus.filter((p) => p.command === 'submit_sm_resp').length === 50 ? true : undefined), 10_000, '50 answers');
    const answers = raw.pdus.filter((p) => p.command === 'submit_sm_resp');
    expect(new Set(answers.map((p) => p.sequenceNumber)).size).toBe(50);
    expect(answers.every((p) => p.commandStatus === S.ESME_ROK)).toBe(true);
    raw.close();
  });

  it('when the client drops the socket mid-window, every acknowledged submit is stored', async () => {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.send({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: creds.smppSystemId, password: creds.smppPassword } });
    await raw.next((p) => p.command === 'bind_transceiver_resp');
    for (let i = 0; i < 40; i++) {
      raw.send({ command: 'submit_sm', sequenceNumber: 200 + i, fields: { destination_addr: `9891300000${String(i).padStart(2, '0')}`, short_message: Buffer.from(`drop ${i}`) } });
    }
    await raw.next((p) => p.command === 'submit_sm_resp');
    raw.socket.destroy(); // mid-window: some answers are in flight, some submits not even read
    const acknowledged = raw.pdus.filter((p) => p.command === 'submit_sm_resp' && p.commandStatus === 0).map((p) => (p.fields as { message_id: string }).message_id);
    expect(acknowledged.length).toBeGreaterThan(0);
    const { rows } = await t.gw.db.raw('SELECT id FROM messages WHERE id = ANY(?::uuid[])', [acknowledged]);
    expect(rows).toHaveLength(acknowledged.length);
  });

  it('answers enquire_link, sends its own when the client is quiet, and closes a dead client after the idle timeout', async () => {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.send({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: creds.smppSystemId, password: creds.smppPassword } });
    await raw.next((p) => p.command === 'bind_transceiver_resp');
    raw.send({ command: 'enquire_link', sequenceNumber: 2 });
    expect((await raw.next((p) => p.command === 'enquire_link_resp')).sequenceNumber).toBe(2);
    await raw.next((p) => p.command === 'enquire_link', 3_000); // the server's keep-alive, unanswered
    await raw.whenClosed(3_000); // idle timeout (900 ms in this file)
  });

  it('answers unbind with unbind_resp and closes', async () => {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.send({ command: 'bind_transmitter', sequenceNumber: 1, fields: { system_id: creds.smppSystemId, password: creds.smppPassword } });
    await raw.next((p) => p.command === 'bind_transmitter_resp');
    raw.send({ command: 'unbind', sequenceNumber: 2 });
    expect((await raw.next((p) => p.command === 'unbind_resp')).commandStatus).toBe(S.ESME_ROK);
    await raw.whenClosed();
  });

  it('answers an unknown command_id with generic_nack ESME_RINVCMDID and stays bound', async () => {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.send({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: creds.smppSystemId, password: creds.smppPassword } });
    await raw.next((p) => p.command === 'bind_transceiver_resp');
    raw.write(Buffer.from('00000010' + '000000ee' + '00000000' + '00000007', 'hex'));
    const nack = await raw.next((p) => p.command === 'generic_nack');
    expect([nack.sequenceNumber, nack.commandStatus]).toEqual([7, S.ESME_RINVCMDID]);
    raw.send({ command: 'enquire_link', sequenceNumber: 8 });
    await raw.next((p) => p.command === 'enquire_link_resp');
    raw.close();
  });
});

describe('malformed PDUs', () => {
  async function bound(): Promise<RawSmpp> {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.send({ command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: creds.smppSystemId, password: creds.smppPassword } });
    await raw.next((p) => p.command === 'bind_transceiver_resp');
    return raw;
  }

  it('closes the socket on a command_length below 16 or above 64 KiB', async () => {
    const short = await bound();
    short.write(Buffer.from('0000000800000004', 'hex'));
    await short.whenClosed();
    const huge = await bound();
    huge.write(Buffer.from('0100000000000004000000000000000a', 'hex'));
    await huge.whenClosed();
  });

  it('nacks a body shorter than it says, a C-string without NUL and a TLV that overruns, and keeps serving', async () => {
    const raw = await bound();
    // submit_sm whose body stops inside service_type (no NUL), so every field after it is missing.
    raw.write(Buffer.from('00000013' + '00000004' + '00000000' + '00000010' + '414243', 'hex'));
    // submit_sm: all mandatory fields, then a TLV (message_payload 0x0424) claiming 255 octets but carrying 2.
    const fields = Buffer.from('00' + '0000' + '3100' + '0101' + '393839313231323334353637' + '00' + '000000' + '00' + '00' + '00' + '00' + '00' + '00' + '00', 'hex');
    const tlv = Buffer.from('042400ff4142', 'hex');
    const body = Buffer.concat([fields, tlv]);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16 + body.length, 0);
    header.writeUInt32BE(4, 4);
    header.writeUInt32BE(17, 12);
    raw.write(Buffer.concat([header, body]));
    const nacks = await eventually(async () => {
      const n = raw.pdus.filter((p) => p.command === 'generic_nack');
      return n.length === 2 ? n : undefined;
    }, 5_000, 'two generic_nacks');
    expect(nacks.map((n) => n.sequenceNumber).sort()).toEqual([16, 17]);
    expect(nacks.every((n) => n.commandStatus !== 0)).toBe(true);
    raw.send({ command: 'submit_sm', sequenceNumber: 18, fields: { destination_addr: '989121234567', short_message: Buffer.from('still fine') } });
    expect((await raw.next((p) => p.sequenceNumber === 18)).commandStatus).toBe(S.ESME_ROK);
    raw.close();
  });

  it('survives a peer that sends garbage before any bind', async () => {
    const raw = await RawSmpp.connect(t.smppPort);
    raw.write(Buffer.from('this is not smpp at all, just text\r\n'));
    await raw.whenClosed();
    const esme = await boundEsme(t.smppPort, creds);
    esme.close();
  });
});

describe.skipIf(!tls)('SMPP over TLS', () => {
  it('binds and submits on SMPP_TLS_PORT', async () => {
    expect(t.gw.smppTlsPort).toBeGreaterThan(0);
    const esme = await boundEsme(t.gw.smppTlsPort!, creds, 'transceiver', { tls: true });
    const r = await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('over tls') });
    expect(r.command_status).toBe(S.ESME_ROK);
    expect((await t.asApp(creds, 'GET', `/api/v1/messages/${r.message_id}`)).body.text).toBe('over tls');
    esme.close();
  });
});
