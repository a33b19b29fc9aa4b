/**
 * Campaigns (batches, docs/campaigns.md): a new campaign as an app, and the
 * caller's campaigns with their progress — an operator sees every account's,
 * a customer their account's, an app its own (the credentials the page has,
 * as on the Messages page). GET /api/v1/batches has no counts, so each listed
 * batch's progress is read too; the list refreshes every 2 s while any of
 * them is still under way.
 */
import { call, type BatchProgress, type BatchSummary, type Page } from '../api';
import { Link, useConsole } from '../state';
import { Card, ErrorBox, money, useAsync, useInterval, when } from '../ui';
import { useAppAuth } from './AppPicker';
import { CampaignForm } from './CampaignForm';

/** How many of the newest campaigns the list shows (one progress request each per refresh). */
const LIST_LIMIT = 20;

export const DONE_STATES: readonly BatchProgress['state'][] = ['completed', 'cancelled'];

/** Messages in a final status: delivered, undelivered, expired, failed, rejected (cancelled ones included). */
export function finalCount(p: BatchProgress): number {
  return p.delivered + p.undelivered + p.expired + p.failed + p.rejected;
}

export function BatchState({ state }: { state: BatchProgress['state'] }) {
  return <span className={`badge status-${state === 'completed' ? 'delivered' : state === 'cancelled' ? 'rejected' : 'queued'}`}>{state}</span>;
}

export function ProgressBar({ p }: { p: BatchProgress }) {
  const done = finalCount(p);
  return (
    <span className="small" title={`${done} of ${p.total} final`}>
      <progress value={done} max={Math.max(p.total, 1)} /> {done}/{p.total}
    </span>
  );
}

export function Campaigns() {
  const { role, auth: sessionAuth } = useConsole();
  const appAuth = useAppAuth();
  // Operators list every account's campaigns with their own credentials; others read as a user or an app.
  const auth = role === 'admin' ? sessionAuth : appAuth.auth;
  const picker = role === 'admin' ? null : appAuth.picker;
  const list = useAsync(async () => {
    if (!auth) return undefined;
    const page = await call<Page<BatchSummary>>('GET', `/api/v1/batches?limit=${LIST_LIMIT}`, { auth });
    return Promise.all(page.items.map((b) => call<BatchProgress>('GET', `/api/v1/batches/${b.id}`, { auth })));
  }, [auth]);
  const rows = list.data ?? [];
  const underWay = rows.some((p) => !DONE_STATES.includes(p.state));
  useInterval(() => list.reload(), underWay ? 2000 : null);

  return (
    <>
      <h1>Campaigns</h1>
      <CampaignForm onCreated={list.reload} />
      <Card title="Campaigns" actions={<button onClick={list.reload}>Refresh</button>}>
        {picker}
        {!auth && <p className="muted">Pick or add an app to see its campaigns.</p>}
        <ErrorBox error={list.error} />
        <table data-testid="batches-table">
          <thead>
            <tr>
              <th>Created</th>
              <th>State</th>
              <th>Progress (final / total)</th>
              <th className="num">Delivered</th>
              <th className="num">Not delivered</th>
              <th className="num">Cancelled</th>
              <th className="num">Cost</th>
              <th>Scheduled for</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id} data-testid={`batch-${p.id}`}>
                <td>
                  <Link to={`/campaigns/${p.id}`}>{when(p.createdAt)}</Link>
                </td>
                <td data-testid="batch-state">
                  <BatchState state={p.state} />
                </td>
                <td>
                  <ProgressBar p={p} />
                </td>
                <td className="num" data-testid="batch-delivered">
                  {p.delivered}
                </td>
                <td className="num" title="failed + undelivered + expired">
                  {p.failed + p.undelivered + p.expired}
                </td>
                <td className="num" data-testid="batch-cancelled">
                  {p.cancelled}
                </td>
                <td className="num" data-testid="batch-cost">
                  {money(p.cost)}
                </td>
                <td>{when(p.scheduleAt)}</td>
              </tr>
            ))}
            {rows.length === 0 && auth && !list.loading && (
              <tr>
                <td colSpan={8} className="muted">
                  No campaigns.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </Card>
    </>
  );
}
