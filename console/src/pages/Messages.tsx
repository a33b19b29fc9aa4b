/**
 * GET /api/v1/messages with status, number, app and time filters and cursor pages; refreshes every 2 s
 * while on screen. An admin reads every account with its own session; a customer its account's apps.
 */
import { useState } from 'react';
import { call, STATUSES, type Message, type Page } from '../api';
import { Link, useConsole } from '../state';
import { Card, ErrorBox, money, Status, useAsync, useInterval, when } from '../ui';
import { useAppAuth } from './AppPicker';
import { AppTimeFilters } from './MessageFilters';

/** The query parameters of GET /api/v1/messages the page keeps in its URL. */
const FILTERS = ['status', 'to', 'appId', 'accountId', 'since', 'until'] as const;

export function Messages() {
  const { path, navigate, role, auth: sessionAuth } = useConsole();
  const params = new URLSearchParams(path.split('?')[1] ?? '');
  const [to, setTo] = useState(params.get('to') ?? '');
  const status = params.get('status') ?? '';
  const toFilter = params.get('to') ?? '';
  const [pages, setPages] = useState<string[]>([]);
  const appAuth = useAppAuth();
  // Operators search every account with their own credentials; others read as a user or an app.
  const auth = role === 'admin' ? sessionAuth : appAuth.auth;
  const picker = role === 'admin' ? null : appAuth.picker;

  const query = (cursor?: string) => {
    const q = new URLSearchParams({ limit: '50' });
    for (const key of FILTERS) {
      const value = key === 'to' ? toFilter : params.get(key);
      if (value) q.set(key, value);
    }
    if (cursor) q.set('cursor', cursor);
    return `/api/v1/messages?${q}`;
  };
  const list = useAsync(async () => (auth ? call<Page<Message>>('GET', query(), { auth }) : undefined), [auth, FILTERS.map((k) => params.get(k) ?? '').join('|')]);
  const [more, setMore] = useState<Message[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null | undefined>(undefined);
  useInterval(() => {
    if (pages.length === 0) list.reload();
  }, 2000);

  const setFilter = (key: string, value: string) => {
    const q = new URLSearchParams(params);
    if (value) q.set(key, value);
    else q.delete(key);
    if (key === 'accountId') q.delete('appId'); // an app belongs to one account
    setMore([]);
    setPages([]);
    setNextCursor(undefined);
    navigate(`/messages${q.size ? `?${q}` : ''}`);
  };

  const items = [...(list.data?.items ?? []), ...more];
  const cursor = nextCursor === undefined ? list.data?.nextCursor : nextCursor;
  return (
    <>
      <h1>Messages</h1>
      {picker}
      <Card title="Search">
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('to', to.trim());
          }}
        >
          <label>
            Number
            <input name="to" placeholder="+989121234567" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <label>
            Status
            <select name="status" value={status} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <AppTimeFilters params={params} setFilter={setFilter} />
          <button type="submit">Search</button>
        </form>
      </Card>
      {!auth && <p className="muted">Pick or add an app to see its messages (create one under Accounts &amp; apps).</p>}
      <ErrorBox error={list.error} />
      <table className="messages" data-testid="messages-table">
        <thead>
          <tr>
            <th>Created</th>
            <th>To</th>
            <th>Text</th>
            <th>Status</th>
            <th className="num">Parts</th>
            <th className="num">Price</th>
            <th>Carrier</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <tr key={m.id} data-testid={`msg-${m.id}`}>
              <td>
                <Link to={`/messages/${m.id}`}>{when(m.createdAt)}</Link>
              </td>
              <td>+{m.to}</td>
              <td className="text">{m.text}</td>
              <td>
                <Status status={m.status} />
              </td>
              <td className="num">{m.parts}</td>
              <td className="num">{money(m.price)}</td>
              <td>{m.carrier ?? '—'}</td>
            </tr>
          ))}
          {items.length === 0 && auth && !list.loading && (
            <tr>
              <td colSpan={7} className="muted">
                No messages.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {cursor && (
        <button
          onClick={async () => {
            const page = await call<Page<Message>>('GET', query(cursor), { auth });
            setPages((p) => [...p, cursor]);
            setMore((m) => [...m, ...page.items]);
            setNextCursor(page.nextCursor);
          }}
        >
          More
        </button>
      )}
    </>
  );
}
