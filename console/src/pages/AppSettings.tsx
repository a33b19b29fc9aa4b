/**
 * An app's settings after creation (admins, and a customer for its own apps):
 * throughput, callback and MO URLs and senders (PATCH /api/v1/apps/:appId;
 * a customer may lower the throughput and the quota, only an admin raises
 * them), its MO numbers (GET/POST/DELETE /apps/:appId/numbers), its
 * templates (AppTemplates) and its monthly quota (GET /quota, PATCH /apps/:appId).
 */
import { useState } from 'react';
import { call, type AppView, type Page } from '../api';
import { useConsole } from '../state';
import { ErrorBox, money, useAsync } from '../ui';
import { AppTemplates } from './AppTemplates';

export function AppSettings({ appId, app, onSaved }: { appId: string; app: AppView | undefined; onSaved: () => void }) {
  const { auth } = useConsole();
  const numbers = useAsync(
    () => call<Page<{ id: string; number: string; keyword: string | null }>>('GET', `/api/v1/apps/${appId}/numbers`, { auth }),
    [auth, appId],
  );
  const quota = useAsync(() => call<{ monthlyQuota: number | null; used: number; month: string }>('GET', `/api/v1/apps/${appId}/quota`, { auth }), [auth, appId]);
  const [number, setNumber] = useState('');
  const [keyword, setKeyword] = useState('');
  const [limit, setLimit] = useState('');
  const [throughput, setThroughput] = useState(String(app?.throughputPerSecond ?? ''));
  const [callbackUrl, setCallbackUrl] = useState(app?.callbackUrl ?? '');
  const [moUrl, setMoUrl] = useState(app?.moUrl ?? '');
  const [senders, setSenders] = useState((app?.senders ?? []).join(', '));
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>();
  async function run(action: () => Promise<unknown>, after: () => void) {
    setError(undefined);
    try {
      await action();
      after();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div className="subpanel" data-testid="app-settings">
      <h3>Settings of {app?.name ?? appId.slice(0, 8)}</h3>
      <form
        className="filters"
        data-testid="app-settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          const body = {
            throughputPerSecond: Number(throughput),
            callbackUrl: callbackUrl.trim() === '' ? null : callbackUrl.trim(),
            moUrl: moUrl.trim() === '' ? null : moUrl.trim(),
            senders: senders.split(',').map((s) => s.trim()).filter((s) => s !== ''),
          };
          void run(() => call('PATCH', `/api/v1/apps/${appId}`, { auth, body }), () => {
            setSaved(true);
            onSaved();
          });
        }}
      >
        <label>
          Messages per second
          <input type="number" min={1} max={100000} value={throughput} onChange={(e) => setThroughput(e.target.value)} required />
        </label>
        <label>
          Callback URL (empty: none)
          <input type="url" value={callbackUrl} onChange={(e) => setCallbackUrl(e.target.value)} placeholder="https://example.com/dlr" />
        </label>
        <label>
          MO URL (empty: none)
          <input type="url" value={moUrl} onChange={(e) => setMoUrl(e.target.value)} placeholder="https://example.com/mo" />
        </label>
        <label>
          Senders (comma-separated; empty: any)
          <input value={senders} onChange={(e) => setSenders(e.target.value)} placeholder="SHOP, 3000" />
        </label>
        <button type="submit">Save settings</button>
        {saved && <span className="muted" data-testid="settings-saved">Saved — other gateway processes apply it within 30 s; SMPP binds at their next bind.</span>}
      </form>
      <h3>Numbers of {appId.slice(0, 8)} (MO routing)</h3>
      <ul className="plain">
        {(numbers.data?.items ?? []).map((n) => (
          <li key={n.id}>
            <code>{n.number}</code> {n.keyword && <span className="badge">{n.keyword}</span>}{' '}
            <button className="link danger" onClick={() => void run(() => call('DELETE', `/api/v1/apps/${appId}/numbers/${n.id}`, { auth }), numbers.reload)}>
              remove
            </button>
          </li>
        ))}
        {numbers.data && numbers.data.items.length === 0 && <li className="muted">No numbers.</li>}
      </ul>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => call('POST', `/api/v1/apps/${appId}/numbers`, { auth, body: { number, ...(keyword ? { keyword } : {}) } }), () => {
            setNumber('');
            setKeyword('');
            numbers.reload();
          });
        }}
      >
        <label>
          Number or short code
          <input value={number} onChange={(e) => setNumber(e.target.value)} placeholder="3000 or +98912…" required />
        </label>
        <label>
          Keyword (optional)
          <input value={keyword} onChange={(e) => setKeyword(e.target.value)} placeholder="STOP" />
        </label>
        <button type="submit">Add number</button>
      </form>
      <AppTemplates appId={appId} />
      <h3>Monthly quota</h3>
      {quota.data && (
        <p>
          {quota.data.monthlyQuota === null ? 'No quota' : `${money(quota.data.monthlyQuota)} messages`} · used {money(quota.data.used)} in {quota.data.month}
        </p>
      )}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => call('PATCH', `/api/v1/apps/${appId}`, { auth, body: { monthlyQuota: limit.trim() === '' ? null : Number(limit) } }), () => {
            setLimit('');
            quota.reload();
          });
        }}
      >
        <label>
          New quota (empty: none)
          <input type="number" min={0} value={limit} onChange={(e) => setLimit(e.target.value)} />
        </label>
        <button type="submit">Set quota</button>
      </form>
      <ErrorBox error={numbers.error ?? quota.error ?? error} />
    </div>
  );
}
