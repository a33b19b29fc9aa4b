/**
 * Carriers with their live bind and breaker state (GET /api/v1/carriers every
 * 2 s), a carrier form, the routing table editor (checked here before PUT
 * /api/v1/routes replaces the table; the gateway checks again) and a
 * resolve-a-number tester (GET /api/v1/routes/resolve).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { call, type Carrier, type Page, type RouteRow } from '../api';
import { useConsole } from '../state';
import { Breaker, Card, ErrorBox, money, useAsync, useInterval } from '../ui';

interface EditRow {
  key: number;
  prefix: string;
  carriers: string;
  price: string;
  weights?: number[];
  ranks?: number[];
  /** The carriers the weights and ranks were given for; they are dropped when the list changes. */
  origCarriers?: string;
}

let nextKey = 1;
const toEdit = (r: RouteRow): EditRow => ({
  key: nextKey++,
  prefix: r.prefix,
  carriers: r.carriers.join(', '),
  price: String(r.price),
  weights: r.weights,
  ranks: r.ranks,
  origCarriers: r.carriers.join(', '),
});

/** Problems per row (index -> messages); empty when the table may be saved. */
export function validateRoutes(rows: EditRow[], carrierNames: Set<string>): Map<number, string[]> {
  const problems = new Map<number, string[]>();
  const add = (i: number, msg: string) => problems.set(i, [...(problems.get(i) ?? []), msg]);
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    const prefix = r.prefix.trim();
    if (!/^[0-9]{0,15}$/.test(prefix)) add(i, 'prefix: 0-15 digits ("" is the catch-all)');
    if (seen.has(prefix)) add(i, `prefix "${prefix}" is also on row ${seen.get(prefix)! + 1}`);
    seen.set(prefix, i);
    const names = r.carriers.split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) add(i, 'carriers: at least one');
    if (names.length > 10) add(i, 'carriers: at most 10');
    if (new Set(names).size !== names.length) add(i, 'a carrier is listed twice');
    for (const n of names) if (!carrierNames.has(n)) add(i, `no carrier named "${n}"`);
    if (!/^[0-9]+$/.test(r.price.trim())) add(i, 'price: a whole number of minor units, 0 or more');
  });
  return problems;
}

function toBody(rows: EditRow[]): RouteRow[] {
  return rows.map((r) => {
    const carriers = r.carriers.split(',').map((s) => s.trim()).filter(Boolean);
    const keep = r.origCarriers === carriers.join(', ');
    return {
      prefix: r.prefix.trim(),
      carriers,
      price: Number(r.price.trim()),
      ...(keep && r.weights ? { weights: r.weights } : {}),
      ...(keep && r.ranks ? { ranks: r.ranks } : {}),
    };
  });
}

export function Carriers() {
  const { auth } = useConsole();
  const carriers = useAsync(() => call<Page<Carrier>>('GET', '/api/v1/carriers', { auth }), [auth]);
  useInterval(() => carriers.reload(), 2000);
  const names = new Set((carriers.data?.items ?? []).map((c) => c.name));
  return (
    <>
      <h1>Carriers &amp; routes</h1>
      <Card title="Carriers">
        <ErrorBox error={carriers.error} />
        <table data-testid="carriers-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Address</th>
              <th>System id</th>
              <th className="num">Binds</th>
              <th className="num">Window</th>
              <th className="num">Max TPS</th>
              <th className="num">In flight</th>
              <th>Breaker</th>
            </tr>
          </thead>
          <tbody>
            {(carriers.data?.items ?? []).map((c) => (
              <tr key={c.id} data-testid={`carrier-${c.name}`}>
                <td>
                  {c.name}
                  {!c.enabled && <span className="muted"> (disabled)</span>}
                </td>
                <td>
                  {c.host}:{c.port}
                </td>
                <td>{c.systemId}</td>
                <td className="num">
                  <span className={c.boundSessions > 0 ? 'ok' : 'bad'}>{c.boundSessions}</span> / {c.binds}
                </td>
                <td className="num">{c.window}</td>
                <td className="num">{c.maxTps ?? '—'}</td>
                <td className="num">{c.inFlight}</td>
                <td>
                  <Breaker state={c.breaker} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <NewCarrier onCreated={carriers.reload} />
      </Card>
      <RouteEditor carrierNames={names} />
      <ResolveTester />
    </>
  );
}

function NewCarrier({ onCreated }: { onCreated: () => void }) {
  const { auth } = useConsole();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: '', host: '', port: '2775', systemId: '', password: '', binds: '1', window: '10' });
  const [error, setError] = useState<unknown>();
  if (!open)
    return (
      <button onClick={() => setOpen(true)} className="secondary">
        Add a carrier
      </button>
    );
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await call('POST', '/api/v1/carriers', {
        auth,
        body: { ...form, port: Number(form.port), binds: Number(form.binds), window: Number(form.window) },
      });
      setOpen(false);
      onCreated();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form className="grid-form" onSubmit={submit}>
      <label>
        Name <input value={form.name} onChange={set('name')} required pattern="[A-Za-z0-9_.\-]+" />
      </label>
      <label>
        Host <input value={form.host} onChange={set('host')} required />
      </label>
      <label>
        Port <input value={form.port} onChange={set('port')} type="number" min={1} max={65535} required />
      </label>
      <label>
        System id <input value={form.systemId} onChange={set('systemId')} maxLength={15} required />
      </label>
      <label>
        Password <input value={form.password} onChange={set('password')} type="password" maxLength={8} required />
      </label>
      <label>
        Binds <input value={form.binds} onChange={set('binds')} type="number" min={1} />
      </label>
      <label>
        Window <input value={form.window} onChange={set('window')} type="number" min={1} />
      </label>
      <div className="buttons">
        <button type="submit" className="primary">
          Create carrier
        </button>
        <button type="button" className="link" onClick={() => setOpen(false)}>
          cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

function RouteEditor({ carrierNames }: { carrierNames: Set<string> }) {
  const { auth } = useConsole();
  const routes = useAsync(() => call<Page<RouteRow>>('GET', '/api/v1/routes', { auth }), [auth]);
  const [rows, setRows] = useState<EditRow[] | null>(null);
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (routes.data && rows === null) setRows(routes.data.items.map(toEdit));
  }, [routes.data, rows]);
  const current = rows ?? [];
  const problems = carrierNames.size > 0 ? validateRoutes(current, carrierNames) : new Map<number, string[]>();
  const dirty = routes.data ? JSON.stringify(toBody(current)) !== JSON.stringify(toBody(routes.data.items.map(toEdit))) : false;
  const update = (i: number, patch: Partial<EditRow>) => {
    setSaved(undefined);
    setRows(current.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  async function save() {
    setError(undefined);
    try {
      const answer = await call<Page<RouteRow>>('PUT', '/api/v1/routes', { auth, body: toBody(current) });
      setRows(answer.items.map(toEdit));
      routes.reload();
      setSaved(`Saved ${answer.items.length} route${answer.items.length === 1 ? '' : 's'}.`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card
      title="Routing table"
      actions={
        <>
          <button onClick={() => setRows([...current, { key: nextKey++, prefix: '', carriers: '', price: '0' }])}>Add route</button>
          <button
            className="secondary"
            disabled={!dirty}
            onClick={() => {
              setRows(null);
              setSaved(undefined);
              routes.reload();
            }}
          >
            Discard changes
          </button>
          <button className="primary" disabled={!dirty || problems.size > 0} onClick={save} data-testid="save-routes">
            Save table
          </button>
        </>
      }
    >
      <p className="muted small">
        Longest prefix wins; an empty prefix is the catch-all. Carriers in failover order, comma-separated. Price per message part,
        in minor units. The whole table is replaced at once.
      </p>
      <ErrorBox error={routes.error} />
      <table className="routes" data-testid="routes-table">
        <thead>
          <tr>
            <th>Prefix</th>
            <th>Carriers (failover order)</th>
            <th className="num">Price / part</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {current.map((r, i) => (
            <tr key={r.key} className={problems.has(i) ? 'invalid' : ''} data-testid={`route-row-${i}`}>
              <td>
                <input aria-label="prefix" value={r.prefix} placeholder="(catch-all)" onChange={(e) => update(i, { prefix: e.target.value })} />
              </td>
              <td>
                <input aria-label="carriers" value={r.carriers} list="carrier-names" onChange={(e) => update(i, { carriers: e.target.value })} />
                {problems.get(i)?.map((p) => (
                  <div key={p} className="problem">
                    {p}
                  </div>
                ))}
              </td>
              <td className="num">
                <input aria-label="price" className="num" value={r.price} onChange={(e) => update(i, { price: e.target.value })} />
              </td>
              <td>
                <button className="link danger" onClick={() => setRows(current.filter((_, j) => j !== i))}>
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <datalist id="carrier-names">
        {[...carrierNames].map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {problems.size > 0 && (
        <p className="problem" data-testid="routes-invalid">
          Fix {problems.size} row{problems.size === 1 ? '' : 's'} before saving.
        </p>
      )}
      {saved && (
        <p className="ok" data-testid="routes-saved">
          {saved}
        </p>
      )}
      <ErrorBox error={error} />
    </Card>
  );
}

function ResolveTester() {
  const { auth } = useConsole();
  const [to, setTo] = useState('');
  const [answer, setAnswer] = useState<(RouteRow & { to: string }) | undefined>();
  const [error, setError] = useState<unknown>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await call<RouteRow & { to: string }>('GET', `/api/v1/routes/resolve?to=${encodeURIComponent(to)}`, { auth }));
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Resolve a number">
      <form className="filters" onSubmit={submit}>
        <label>
          Number
          <input name="resolve-to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="+447700900123" required />
        </label>
        <button type="submit">Resolve</button>
      </form>
      <ErrorBox error={error} />
      {answer && (
        <dl className="fields" data-testid="resolve-result">
          <dt>Number</dt>
          <dd>+{answer.to}</dd>
          <dt>Route</dt>
          <dd data-testid="resolve-prefix">{answer.prefix === '' ? '(catch-all)' : answer.prefix}</dd>
          <dt>Carriers</dt>
          <dd data-testid="resolve-carriers">{answer.carriers.join(' → ')}</dd>
          <dt>Price / part</dt>
          <dd data-testid="resolve-price">{money(answer.price)}</dd>
        </dl>
      )}
    </Card>
  );
}
