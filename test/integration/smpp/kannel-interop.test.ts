/**
 * Interoperability with an SMPP client we did not write: Debian's Kannel
 * binds to smsgw as a transceiver; a message sent through Kannel's sendsms
 * HTTP interface reaches the built-in simulator carrier, the receipt comes
 * back to Kannel over the bind, and Kannel's dlr-url callback fires with
 * the delivered status. Skipped (one line) where Kannel is not installed;
 * `npm test` installs it with apt-get when it runs as root.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, serverSessions, startTestGateway, type TestGateway } from '../../helpers/gateway';
import { kannelInstalled, startKannel, type Kannel } from '../../helpers/kannel';

const installed = kannelInstalled();
if (!installed) console.warn('kannel-interop: Kannel (bearerbox, smsbox) is not installed; skipping the interop test');

describe.skipIf(!installed)('Kannel as the ESME', () => {
  let t: TestGateway;
  let kannel: Kannel | undefined;
  let callbacks: Server;
  const dlrs: URLSearchParams[] = [];

  beforeAll(async () => {
    t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 50 } });
    callbacks = createServer((req, res) => {
      dlrs.push(new URL(req.url ?? '/', 'http://x').searchParams);
      res.end('ok');
    });
    await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await kannel?.stop();
    await new Promise((resolve) => callbacks?.close(resolve));
    await t?.stop();
  });

  it('sends through sendsms to the simulator carrier and gets the delivered receipt to its dlr-url', async () => {
    const { creds } = await t.customer(1000);
    kannel = await startKannel({ port: t.smppPort, systemId: creds.smppSystemId, password: creds.smppPassword });
    await eventually(async () => ((await serverSessions(t)) > 0 ? true : undefined), 20_000, 'Kannel to bind');

    const dlrUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/dlr?type=%d&smsc=%i&to=%p`;
    const query = new URLSearchParams({ username: 'tester', password: 'tester-pw', from: '12345', to: '989121234567', text: 'Hello via Kannel', 'dlr-mask': '3', 'dlr-url': dlrUrl });
    const sent = await fetch(`http://127.0.0.1:${kannel.sendsmsPort}/cgi-bin/sendsms?${query}`);
    expect(sent.status).toBe(202);

    const received = await eventually(async () => t.gw.simulator!.received.find((r) => r.destinationAddr === '989121234567'), 20_000, 'the simulator to receive the message');
    expect(received.dataCoding).toBe(0);
    const dlr = await eventually(async () => dlrs.find((d) => d.get('type') === '1'), 30_000, `Kannel's dlr-url with type 1 (delivered); bearerbox log tail:\n${kannel.log().slice(-2000)}`);
    expect(dlr.get('to')).toContain('989121234567');

    const list = await t.asApp(creds, 'GET', '/api/v1/messages');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ status: 'delivered', text: 'Hello via Kannel', to: '989121234567' });
  });
});
