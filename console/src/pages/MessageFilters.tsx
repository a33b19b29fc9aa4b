/**
 * The app and time filters of the Messages page. A customer picks among its
 * account's apps; an operator (admin) picks an account it opened (or any)
 * and then one of its apps. Times are the browser's local time, sent as ISO
 * instants (since inclusive, until exclusive, on created_at).
 */
import { call, type AppView, type Page } from '../api';
import { useConsole } from '../state';
import { useAsync } from '../ui';

/** `datetime-local` value <-> ISO instant. */
export const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function AppTimeFilters({ params, setFilter }: { params: URLSearchParams; setFilter: (key: string, value: string) => void }) {
  const { session, role, auth, accounts } = useConsole();
  const ownAccount = session?.kind === 'user' ? session.accountId : null;
  const accountId = role === 'customer' ? (ownAccount ?? '') : (params.get('accountId') ?? '');
  const apps = useAsync(
    async () => (accountId ? (await call<Page<AppView>>('GET', `/api/v1/accounts/${accountId}/apps`, { auth })).items : []),
    [auth, accountId],
  );
  return (
    <>
      {role === 'admin' && (
        <label>
          Account
          <select name="accountId" value={accountId} onChange={(e) => setFilter('accountId', e.target.value)}>
            <option value="">every account</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.id.slice(0, 8)})
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        App
        <select name="appId" value={params.get('appId') ?? ''} onChange={(e) => setFilter('appId', e.target.value)} disabled={!accountId}>
          <option value="">every app</option>
          {(apps.data ?? []).map((a) => {
            const id = a.appId ?? a.id ?? '';
            return (
              <option key={id} value={id}>
                {a.name} ({id.slice(0, 8)})
              </option>
            );
          })}
        </select>
      </label>
      <label>
        Since
        <input type="datetime-local" name="since" value={toLocal(params.get('since') ?? '')} onChange={(e) => setFilter('since', toIso(e.target.value))} />
      </label>
      <label>
        Until
        <input type="datetime-local" name="until" value={toLocal(params.get('until') ?? '')} onChange={(e) => setFilter('until', toIso(e.target.value))} />
      </label>
    </>
  );
}
