/**
 * Accounts and their apps: create an account, open one by id, credit it, and
 * create an app whose credentials are shown once (the gateway never shows
 * them again). The console remembers the accounts it opened (ids and names
 * only) because the API has no account list.
 */
import { useState, type FormEvent } from 'react';
import { call, type Account, type AppView, type CreatedApp, type Page } from '../api';
import { useConsole } from '../state';
import { Card, ErrorBox, money, useAsync, when } from '../ui';
import { AppSettings } from './AppSettings';

export function Accounts() {
  const { session } = useConsole();
  if (session?.kind === 'user' && session.role === 'customer') {
    return (
      <>
        <h1>My account</h1>
        {session.accountId ? <AccountPanel id={session.accountId} /> : <p className="muted">This user has no account.</p>}
      </>
    );
  }
  return <OperatorAccounts />;
}

function OperatorAccounts() {
  const { auth, accounts, rememberAccount, path, navigate, role } = useConsole();
  const selected = new URLSearchParams(path.split('?')[1] ?? '').get('id') ?? '';
  const [name, setName] = useState('');
  const [openId, setOpenId] = useState('');
  const [error, setError] = useState<unknown>();

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      const account = await call<Account>('POST', '/api/v1/accounts', { auth, body: { name: name.trim() } });
      rememberAccount({ id: account.id, name: account.name });
      setName('');
      navigate(`/accounts?id=${account.id}`);
    } catch (err) {
      setError(err);
    }
  }
  async function open(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      const account = await call<Account>('GET', `/api/v1/accounts/${encodeURIComponent(openId.trim())}`, { auth });
      rememberAccount({ id: account.id, name: account.name });
      setOpenId('');
      navigate(`/accounts?id=${account.id}`);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      <h1>Accounts &amp; apps</h1>
      <div className="grid2">
        {role === 'admin' && <Card title="New account">
          <form className="filters" onSubmit={create}>
            <label>
              Name
              <input name="account-name" value={name} onChange={(e) => setName(e.target.value)} required />
            </label>
            <button type="submit" className="primary">
              Create account
            </button>
          </form>
        </Card>}
        <Card title="Open an account">
          <form className="filters" onSubmit={open}>
            <label>
              Account id
              <input name="account-id" className="wide-id" value={openId} onChange={(e) => setOpenId(e.target.value)} placeholder="uuid" required />
            </label>
            <button type="submit">Open</button>
          </form>
        </Card>
      </div>
      <ErrorBox error={error} />
      <div className="split">
        <div className="list">
          <h3>Recent accounts</h3>
          {accounts.length === 0 && <p className="muted small">None yet.</p>}
          <ul>
            {accounts.map((a) => (
              <li key={a.id}>
                <a
                  href={`/console/accounts?id=${a.id}`}
                  className={a.id === selected ? 'active' : ''}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/accounts?id=${a.id}`);
                  }}
                >
                  {a.name}
                </a>
              </li>
            ))}
          </ul>
        </div>
        <div className="detail">{selected ? <AccountPanel key={selected} id={selected} /> : <p className="muted">Create or open an account.</p>}</div>
      </div>
    </>
  );
}

function AccountPanel({ id }: { id: string }) {
  const { auth, role, caps } = useConsole();
  const [appsVersion, setAppsVersion] = useState(0);
  const account = useAsync(() => call<Account>('GET', `/api/v1/accounts/${id}`, { auth }), [auth, id]);
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>();
  async function credit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await call('POST', `/api/v1/accounts/${id}/credit`, { auth, body: { amount: Number(amount), ...(reference ? { reference } : {}) } });
      setAmount('');
      setReference('');
      account.reload();
    } catch (err) {
      setError(err);
    }
  }
  const a = account.data;
  return (
    <>
      <ErrorBox error={account.error} />
      {a && (
        <Card title={a.name}>
          <dl className="fields">
            <dt>Id</dt>
            <dd>
              <code data-testid="account-id">{a.id}</code>
            </dd>
            <dt>Balance</dt>
            <dd data-testid="account-balance" className="big">
              {money(a.balance)}
            </dd>
            <dt>Created</dt>
            <dd>{when(a.createdAt)}</dd>
          </dl>
          {(role === 'admin' || role === 'finance') && <form className="filters" onSubmit={credit}>
            <label>
              Credit (minor units)
              <input name="credit-amount" type="number" min={1} step={1} value={amount} onChange={(e) => setAmount(e.target.value)} required />
            </label>
            <label>
              Reference
              <input name="credit-reference" value={reference} onChange={(e) => setReference(e.target.value)} placeholder="invoice 42" />
            </label>
            <button type="submit">Credit</button>
          </form>}
          <ErrorBox error={error} />
        </Card>
      )}
      {a && caps.appKeys && <AppList key={appsVersion} accountId={a.id} />}
      {a && (role === 'admin' || role === 'customer') && <NewApp accountId={a.id} onCreated={() => setAppsVersion((v) => v + 1)} />}
    </>
  );
}

function NewApp({ accountId, onCreated }: { accountId: string; onCreated?: () => void }) {
  const { auth, addApp, caps } = useConsole();
  const [form, setForm] = useState({ name: '', throughputPerSecond: '100', callbackUrl: '', moUrl: '', senders: '' });
  const [created, setCreated] = useState<CreatedApp>();
  const [error, setError] = useState<unknown>();
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      const senders = form.senders.split(',').map((s) => s.trim()).filter(Boolean);
      const app = await call<CreatedApp>('POST', `/api/v1/accounts/${accountId}/apps`, {
        auth,
        body: {
          name: form.name.trim(),
          throughputPerSecond: Number(form.throughputPerSecond),
          ...(form.callbackUrl ? { callbackUrl: form.callbackUrl.trim() } : {}),
          ...(form.moUrl ? { moUrl: form.moUrl.trim() } : {}),
          ...(senders.length ? { senders } : {}),
        },
      });
      setCreated(app);
      // The console may use it for Messages and Send test until the tab closes.
      addApp({ appId: app.appId, secret: app.secret, name: app.name, accountId });
      onCreated?.();
      setForm({ name: '', throughputPerSecond: '100', callbackUrl: '', moUrl: '', senders: '' });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="New app">
      {created && (
        <div className="credentials" data-testid="credentials">
          <p>
            <strong>Credentials of “{created.name}”.</strong> They are shown only now: copy them to the application. This console
            keeps them for this tab only, to show the app&apos;s messages.
          </p>
          <dl className="fields">
            <dt>App id</dt>
            <dd>
              <code data-testid="cred-appid">{created.appId}</code>
            </dd>
            <dt>Secret (HTTP Basic)</dt>
            <dd>
              <code data-testid="cred-secret">{created.secret}</code>
            </dd>
            <dt>SMPP system_id</dt>
            <dd>
              <code>{created.smppSystemId}</code>
            </dd>
            <dt>SMPP password</dt>
            <dd>
              <code>{created.smppPassword}</code>
            </dd>
            <dt>Throughput</dt>
            <dd>{created.throughputPerSecond} msg/s</dd>
          </dl>
          <button className="secondary" onClick={() => setCreated(undefined)}>
            I have copied them
          </button>
        </div>
      )}
      <form className="grid-form" onSubmit={submit}>
        <label>
          Name <input name="app-name" value={form.name} onChange={set('name')} required />
        </label>
        <label>
          Throughput (msg/s) <input name="app-tps" type="number" min={1} max={100000} value={form.throughputPerSecond} onChange={set('throughputPerSecond')} />
        </label>
        <label>
          Status callback URL <input name="app-callback" type="url" value={form.callbackUrl} onChange={set('callbackUrl')} placeholder="https://…" />
        </label>
        <label>
          MO URL <input name="app-mo" type="url" value={form.moUrl} onChange={set('moUrl')} placeholder="https://…" />
        </label>
        <label>
          Senders (comma-separated) <input name="app-senders" value={form.senders} onChange={set('senders')} placeholder="ACME, 98912…" />
        </label>
        <div className="buttons">
          <button type="submit" className="primary">
            Create app
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      <p className="muted small">
        Throughput, callback and MO URLs and senders can be changed later in the app&apos;s settings
        {caps.appKeys ? '; the secret can be rotated in the list above.' : '.'}
      </p>
    </Card>
  );
}

/** The account's apps (GET /accounts/:id/apps, no secrets) with secret rotation (POST /apps/:appId/secret). */
function AppList({ accountId }: { accountId: string }) {
  const { auth, addApp, apps: known, caps, role } = useConsole();
  const [open, setOpen] = useState<string>();
  const list = useAsync(() => call<Page<AppView>>('GET', `/api/v1/accounts/${accountId}/apps`, { auth }), [auth, accountId]);
  const [rotated, setRotated] = useState<{ appId: string; secret: string; name: string }>();
  const [error, setError] = useState<unknown>();
  async function rotate(app: AppView) {
    const appId = app.appId ?? app.id ?? '';
    if (!window.confirm(`Rotate the secret of "${app.name}"? The old one stops working.`)) return;
    setError(undefined);
    try {
      const r = await call<{ appId: string; secret: string }>('POST', `/api/v1/apps/${appId}/secret`, { auth });
      setRotated({ appId, secret: r.secret, name: app.name });
      addApp({ appId, secret: r.secret, name: app.name, accountId });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Apps">
      <ErrorBox error={list.error ?? error} />
      {rotated && (
        <div className="credentials" data-testid="rotated">
          <p>
            <strong>New secret of “{rotated.name}”</strong>, shown only now: <code data-testid="rotated-secret">{rotated.secret}</code>
          </p>
          <button className="secondary" onClick={() => setRotated(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      <table data-testid="apps-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>App id</th>
            <th className="num">msg/s</th>
            <th>Callback / MO</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((app) => {
            const appId = app.appId ?? app.id ?? '';
            return (
              <tr key={appId}>
                <td>
                  {app.name}
                  {known.some((k) => k.appId === appId) && <span className="badge">in console</span>}
                </td>
                <td>
                  <code>{appId}</code>
                </td>
                <td className="num">{app.throughputPerSecond ?? '—'}</td>
                <td className="small">
                  {app.callbackUrl ?? '—'}
                  <br />
                  {app.moUrl ?? '—'}
                </td>
                <td className="buttons">
                  <button className="link" onClick={() => void rotate(app)}>
                    rotate secret
                  </button>
                  {caps.numbers && (role === 'admin' || role === 'customer') && (
                    <button className="link" onClick={() => setOpen(open === appId ? undefined : appId)}>
                      {open === appId ? 'close' : 'settings'}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {list.data && list.data.items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No apps yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {open && <AppSettings key={open} appId={open} app={list.data?.items.find((a) => (a.appId ?? a.id) === open)} onSaved={list.reload} />}
    </Card>
  );
}
