/**
 * Live numbers from GET /api/v1/stream/stats (server-sent events, one sample a
 * second): throughput, delivery ratio, queue depths, carrier states. A
 * customer sees the balance of their account instead.
 */
import { useEffect, useRef, useState } from 'react';
import { call, FINAL_STATUSES, type Message, type Page, type StatsSnapshot } from '../api';
import { useConsole } from '../state';
import { openEventStream } from '../stream';
import { Breaker, Card, ErrorBox, money, useAsync, useInterval } from '../ui';

const HISTORY = 120;
/** Samples kept across page changes (this tab only), so the chart does not start empty each time. */
let kept: StatsSnapshot[] = [];

export function Dashboard() {
  const { role } = useConsole();
  return role === 'customer' ? <CustomerDashboard /> : <OperatorDashboard />;
}

function CustomerDashboard() {
  const { auth } = useConsole();
  const balance = useAsync(() => call<{ balance: number }>('GET', '/api/v1/balance', { auth }), [auth]);
  const recent = useAsync(() => call<Page<Message>>('GET', '/api/v1/messages?limit=100', { auth }), [auth]);
  useInterval(() => {
    balance.reload();
    recent.reload();
  }, 5000);
  const items = recent.data?.items ?? [];
  const finals = items.filter((m) => (FINAL_STATUSES as readonly string[]).includes(m.status));
  const delivered = finals.filter((m) => m.status === 'delivered').length;
  return (
    <>
      <h1>Dashboard</h1>
      <div className="tiles">
        <Tile label="Balance" value={money(balance.data?.balance)} testId="tile-balance" />
        <Tile label="Recent messages" value={String(items.length)} hint="last 100" />
        <Tile label="Delivered" value={finals.length ? `${((delivered / finals.length) * 100).toFixed(1)} %` : '—'} hint="of the recent final ones" />
        <Tile label="In progress" value={String(items.length - finals.length)} />
      </div>
      <ErrorBox error={balance.error ?? recent.error} />
    </>
  );
}

function OperatorDashboard() {
  const { auth } = useConsole();
  const [snap, setSnap] = useState<StatsSnapshot>();
  const [state, setState] = useState<string>('connecting');
  const history = useRef<StatsSnapshot[]>(kept);

  useEffect(() => {
    const handle = openEventStream(
      '/api/v1/stream/stats',
      auth,
      (event, data) => {
        if (event !== 'stats') return;
        const s = JSON.parse(data) as StatsSnapshot;
        history.current = [...history.current.slice(-(HISTORY - 1)), s];
        kept = history.current;
        setSnap(s);
      },
      (st, detail) => setState(detail ? `${st}: ${detail}` : st),
    );
    return () => handle.stop();
  }, [auth]);

  const ratio = snap?.deliveryRatio.lastMinute ?? snap?.deliveryRatio.sinceStart ?? null;
  const queues = aggregateQueues(snap?.queues ?? []);
  return (
    <>
      <h1>
        Dashboard <span className={`live ${state === 'open' ? 'on' : ''}`} data-testid="stream-state">{state === 'open' ? 'live' : state}</span>
      </h1>
      <div className="tiles">
        <Tile label="In (msg/s)" value={fmt(snap?.throughput.inPerSecond)} testId="tile-in" />
        <Tile label="Out (parts/s)" value={fmt(snap?.throughput.outPerSecond)} testId="tile-out" />
        <Tile label="Final (msg/s)" value={fmt(snap?.throughput.finalPerSecond)} />
        <Tile label="Delivery ratio" value={ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`} hint={snap?.deliveryRatio.lastMinute !== null ? 'last minute' : 'since start'} testId="tile-ratio" />
        <Tile label="Accepted (total)" value={money(snap?.totals.accepted)} testId="tile-accepted" />
        <Tile label="Delivered (total)" value={money(snap?.totals.final.delivered ?? 0)} testId="tile-delivered" />
      </div>
      <Card title="Throughput, last two minutes">
        <Spark history={history.current} />
      </Card>
      <div className="grid2">
        <Card title="Queues">
          <table>
            <thead>
              <tr>
                <th>Queue</th>
                <th className="num">Waiting</th>
                <th className="num">Active</th>
                <th className="num">Delayed</th>
                <th className="num">Failed</th>
              </tr>
            </thead>
            <tbody>
              {queues.map((q) => (
                <tr key={q.queue}>
                  <td>{q.queue}</td>
                  <td className="num">{q.waiting}</td>
                  <td className="num">{q.active}</td>
                  <td className="num">{q.delayed}</td>
                  <td className="num">{q.failed}</td>
                </tr>
              ))}
              {queues.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    No queue counts yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </Card>
        <Card title="Carriers">
          <table>
            <thead>
              <tr>
                <th>Carrier</th>
                <th>Breaker</th>
                <th className="num">Binds</th>
                <th className="num">In flight</th>
              </tr>
            </thead>
            <tbody>
              {(snap?.carriers ?? []).map((c) => (
                <tr key={c.id} data-testid={`dash-carrier-${c.name}`}>
                  <td>
                    {c.name}
                    {!c.enabled && <span className="muted"> (disabled)</span>}
                  </td>
                  <td>
                    <Breaker state={c.breaker} />
                  </td>
                  <td className="num">
                    {c.boundSessions} / {c.configuredBinds}
                  </td>
                  <td className="num">{c.inFlight}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">Customer SMPP binds: {snap?.smppSessions.server ?? 0}</p>
        </Card>
      </div>
      {state.startsWith('error') && <ErrorBox error={new Error(`live stream ${state}`)} />}
    </>
  );
}

function fmt(v: number | undefined): string {
  return v === undefined ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function Tile({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div className="tile" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}

function aggregateQueues(rows: StatsSnapshot['queues']) {
  const by = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const q = by.get(r.queue) ?? {};
    q[r.state] = (q[r.state] ?? 0) + r.count;
    by.set(r.queue, q);
  }
  return [...by.entries()].map(([queue, s]) => ({
    queue,
    waiting: (s.waiting ?? 0) + (s.prioritized ?? 0),
    active: s.active ?? 0,
    delayed: s.delayed ?? 0,
    failed: s.failed ?? 0,
  }));
}

/** Two lines (in, out) on one SVG; no chart library. */
function Spark({ history }: { history: StatsSnapshot[] }) {
  const w = 800;
  const h = 140;
  const max = Math.max(1, ...history.map((s) => Math.max(s.throughput.inPerSecond, s.throughput.outPerSecond)));
  const line = (pick: (s: StatsSnapshot) => number) =>
    history.map((s, i) => `${((i + HISTORY - history.length) / (HISTORY - 1)) * w},${h - (pick(s) / max) * (h - 10)}`).join(' ');
  return (
    <div className="spark">
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label="throughput chart">
        <polyline points={line((s) => s.throughput.inPerSecond)} className="in" />
        <polyline points={line((s) => s.throughput.outPerSecond)} className="out" />
      </svg>
      <div className="legend">
        <span className="in">in</span> <span className="out">out</span> <span className="muted">max {fmt(max)}/s</span>
      </div>
    </div>
  );
}
