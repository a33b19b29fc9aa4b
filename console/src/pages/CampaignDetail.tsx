/**
 * One campaign: its progress (GET /api/v1/batches/:id, every 2 s until it is
 * completed or cancelled), Cancel (POST /api/v1/batches/:id/cancel, after a
 * confirm) with the gateway's answer, and its messages a page of 50 at a
 * time, newest first (GET /api/v1/batches/:id/messages, cursor paging),
 * linking to the message detail.
 */
import { useState } from 'react';
import { call, type BatchProgress, type Message, type Page } from '../api';
import { Link, useConsole } from '../state';
import { Card, ErrorBox, money, Status, useAsync, useInterval, when } from '../ui';
import { useAppAuth } from './AppPicker';
import { BatchState, DONE_STATES, ProgressBar } from './Campaigns';

interface CancelAnswer {
  cancelled: number;
  refunded: number;
  batch: BatchProgress;
}

/** The counts shown, in the order of a message's life. */
/** Messages per page of the list. */
const PAGE = 50;

const COUNTS = ['total', 'created', 'accepted', 'held', 'queued', 'submitted', 'delivered', 'undelivered', 'expired', 'failed', 'rejected', 'cancelled', 'refunded'] as const;

export function CampaignDetail({ id }: { id: string }) {
  const { role, auth: sessionAuth } = useConsole();
  const appAuth = useAppAuth();
  const auth = role === 'admin' ? sessionAuth : appAuth.auth;
  const progress = useAsync(() => call<BatchProgress>('GET', `/api/v1/batches/${id}`, { auth }), [auth, id]);
  // The cursors of the pages before this one (empty: the newest page).
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const messages = useAsync(
    () => call<Page<Message>>('GET', `/api/v1/batches/${id}/messages?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { auth }),
    [auth, id, cursor],
  );
  const [cancelAnswer, setCancelAnswer] = useState<CancelAnswer>();
  const [error, setError] = useState<unknown>();
  const p = progress.data;
  const open = p !== undefined && !DONE_STATES.includes(p.state);
  useInterval(() => {
    progress.reload();
    messages.reload();
  }, open ? 2000 : null);

  async function cancel() {
    if (!window.confirm('Cancel this campaign? Messages no carrier has yet end cancelled and are refunded.')) return;
    setError(undefined);
    try {
      setCancelAnswer(await call<CancelAnswer>('POST', `/api/v1/batches/${id}/cancel`, { auth }));
      progress.reload();
      messages.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      <h1>Campaign</h1>
      <p>
        <Link to="/campaigns">← all campaigns</Link> <code>{id}</code>
      </p>
      {role !== 'admin' && appAuth.picker}
      <ErrorBox error={progress.error ?? error} />
      {p && (
        <Card
          title="Progress"
          actions={
            open ? (
              <button className="danger" onClick={cancel}>
                Cancel campaign
              </button>
            ) : undefined
          }
        >
          <p>
            <span data-testid="detail-batch-state">
              <BatchState state={p.state} />
            </span>{' '}
            <ProgressBar p={p} /> — cost <strong data-testid="detail-batch-cost">{money(p.cost)}</strong> (charged {money(p.charged)}, refunded{' '}
            {money(p.refundedAmount)}); created {when(p.createdAt)}
            {p.scheduleAt ? `, scheduled for ${when(p.scheduleAt)}` : ''}
            {p.cancelledAt ? `, cancelled ${when(p.cancelledAt)}` : ''}
          </p>
          <table data-testid="batch-counts">
            <tbody>
              {COUNTS.map((k) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td className="num">{p[k]}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {cancelAnswer && (
            <p className="ok" data-testid="cancel-answer">
              Cancelled {cancelAnswer.cancelled} message{cancelAnswer.cancelled === 1 ? '' : 's'}, refunded {money(cancelAnswer.refunded)}.
            </p>
          )}
        </Card>
      )}
      <Card
        title={`Messages ${cursors.length * PAGE + 1}–${cursors.length * PAGE + (messages.data?.items.length ?? 0)}, newest first`}
        actions={
          <>
            <button onClick={() => setCursors((c) => c.slice(0, -1))} disabled={cursors.length === 0}>
              ← Newer
            </button>{' '}
            <button onClick={() => messages.data?.nextCursor && setCursors((c) => [...c, messages.data!.nextCursor!])} disabled={!messages.data?.nextCursor}>
              Older →
            </button>
          </>
        }
      >
        <ErrorBox error={messages.error} />
        <table data-testid="batch-messages">
          <thead>
            <tr>
              <th>Created</th>
              <th>To</th>
              <th>Status</th>
              <th className="num">Price</th>
            </tr>
          </thead>
          <tbody>
            {(messages.data?.items ?? []).map((m) => (
              <tr key={m.id}>
                <td>
                  <Link to={`/messages/${m.id}`}>{when(m.createdAt)}</Link>
                </td>
                <td>+{m.to}</td>
                <td>
                  <Status status={m.status} />
                </td>
                <td className="num">{money(m.price)}</td>
              </tr>
            ))}
            {messages.data && messages.data.items.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No messages yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </Card>
    </>
  );
}
