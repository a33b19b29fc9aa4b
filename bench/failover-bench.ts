/**
 * `npm run bench:failover`: carrier failover under a steady offered load.
 * Two SMSC simulators run in this process (127.0.0.1:0) and are registered
 * as carriers `primary` and `backup` through the operator API of a gateway
 * child process (fresh database and queue prefix, production defaults for
 * breaker, reconnect and retries), with one route [primary, backup]. HTTP
 * submissions arrive at `--rate` messages/s in requests of `--batch`
 * numbers; after `--phase-seconds` the primary goes down (simulator
 * behaviour 'down': connections closed, new ones refused), after another
 * phase it comes back, and the load runs two more phases. Reported: carrier
 * submits per second before / during / after the outage, when traffic
 * reached the backup and came back to the primary, the longest gap in
 * carrier submits, messages not delivered (losses, must be 0) and messages
 * that reached both carriers (unknown outcomes when the primary dropped).
 *   npm run bench:failover -- --rate 500 --phase-seconds 10
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SmscSimulator } from '../src/simulator';
import { startGatewayProcess, writeResult } from './lib';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    batch: { type: 'string', default: '25' },
    'phase-seconds': { type: 'string', default: '10' },
  },
});
const rate = Number(values.rate);
const batch = Number(values.batch);
const phaseMs = Number(values['phase-seconds']) * 1000;

const sims = { primary: new SmscSimulator({ dlrDelayMs: 100, maxRecordedSubmits: 0 }), backup: new SmscSimulator({ dlrDelayMs: 100, maxRecordedSubmits: 0 }) };
const submits: Record<keyof typeof sims, Array<{ at: number; to: string }>> = { primary: [], backup: [] };
const ports: Record<string, number> = {};
for (const [name, sim] of Object.entries(sims) as Array<[keyof typeof sims, SmscSimulator]>) {
  ports[name] = (await sim.start()).port;
  sim.on('submit', (s) => {
    if (s.commandStatus === 0) submits[name].push({ at: s.receivedAt, to: s.destinationAddr });
  });
}

const gw = await startGatewayProcess({});
const db = new pg.Client({ connectionString: gw.databaseUrl });
try {
  const admin = { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${gw.base}${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await r.json()) as Record<string, unknown>;
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  for (const name of ['primary', 'backup']) {
    await call('POST', '/api/v1/carriers', { name, host: '127.0.0.1', port: ports[name], systemId: 'smsgw', password: 'pw', binds: 2, window: 100 });
  }
  await call('PUT', '/api/v1/routes', [{ prefix: '', carriers: ['primary', 'backup'], price: 1 }]);
  const account = await call('POST', '/api/v1/accounts', { name: 'bench' });
  await call('POST', `/api/v1/accounts/${account.id}/credit`, { amount: 100_000_000 });
  const app = await call('POST', `/api/v1/accounts/${account.id}/apps`, { name: 'bench', throughputPerSecond: 100_000 });
  const auth = `Basic ${Buffer.from(`${app.appId}:${app.secret}`).toString('base64')}`;
  await db.connect();
  for (const sim of Object.values(sims)) {
    const deadline = Date.now() + 10_000;
    while (sim.boundSessions < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  // Offered load: `batch` numbers every batch/rate seconds, on a fixed schedule (no coordinated omission).
  const ids: string[] = [];
  let refused = 0;
  let sent = 0;
  const started = Date.now();
  const loadMs = 4 * phaseMs;
  const marks = { down: started + phaseMs, up: started + 2 * phaseMs, end: started + loadMs };
  const inFlight = new Set<Promise<void>>();
  const timers = [
    setTimeout(() => sims.primary.setBehaviour('down'), marks.down - Date.now()),
    setTimeout(() => sims.primary.setBehaviour('normal'), marks.up - Date.now()),
  ];
  const intervalMs = (batch / rate) * 1000;
  for (let tick = 0; started + tick * intervalMs < marks.end; tick++) {
    const due = started + tick * intervalMs;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const to = Array.from({ length: batch }, () => `4477${String(sent++).padStart(8, '0')}`);
    const request = fetch(`${gw.base}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ to, text: 'failover bench' }),
    })
      .then(async (r) => {
        const body = (await r.json()) as { messages?: Array<{ id: string }> };
        if (r.status === 202 && body.messages) ids.push(...body.messages.map((m) => m.id));
        else refused += to.length;
      })
      .catch(() => void (refused += to.length))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all([...inFlight]);
  timers.forEach(clearTimeout);

  // Until every accepted message is final (bounded).
  const finalDeadline = Date.now() + 120_000;
  let open = ids.length;
  while (Date.now() < finalDeadline) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM messages WHERE status NOT IN ('delivered','undelivered','expired','failed','rejected')`);
    open = rows[0].n;
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const { rows: byStatus } = await db.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status`);

  const all = [...submits.primary.map((s) => ({ ...s, carrier: 'primary' })), ...submits.backup.map((s) => ({ ...s, carrier: 'backup' }))].sort((a, b) => a.at - b.at);
  const perSecond = (from: number, to: number, carrier?: string) =>
    Math.round((all.filter((s) => s.at >= from && s.at < to && (!carrier || s.carrier === carrier)).length * 1000) / (to - from));
  const during = all.filter((s) => s.at >= started && s.at < marks.end);
  const gaps = during.slice(1).map((s, i) => s.at - during[i]!.at);
  const firstBackup = submits.backup.find((s) => s.at >= marks.down);
  const primaryBack = submits.primary.find((s) => s.at >= marks.up);
  const onPrimary = new Set(submits.primary.map((s) => s.to));
  const delivered = byStatus.find((r: { status: string }) => r.status === 'delivered')?.n ?? 0;

  const result = {
    offeredPerSecond: rate,
    phaseSeconds: phaseMs / 1000,
    accepted: ids.length,
    refusedAtIngress: refused,
    carrierSubmitsPerSecond: {
      before: perSecond(started, marks.down),
      duringOutage: perSecond(marks.down, marks.up),
      afterRecovery: perSecond(marks.up, marks.end),
      afterRecoveryOnPrimary: perSecond(marks.up, marks.end, 'primary'),
    },
    backupTookOverAfterMs: firstBackup ? firstBackup.at - marks.down : null,
    primaryBackAfterMs: primaryBack ? primaryBack.at - marks.up : null,
    longestGapInCarrierSubmitsMs: gaps.length > 0 ? Math.max(...gaps) : null,
    lost: ids.length - delivered,
    stillOpen: open,
    onBothCarriers: submits.backup.filter((s) => onPrimary.has(s.to)).length,
    finalStatuses: Object.fromEntries(byStatus.map((r: { status: string; n: number }) => [r.status, r.n])),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${writeResult('failover', result)}`);
} finally {
  await db.end().catch(() => undefined);
  await gw.stop();
  await Promise.all(Object.values(sims).map((s) => s.stop()));
}
