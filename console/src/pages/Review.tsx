/**
 * The review workbench over GET /api/v1/review/held and POST
 * /api/v1/review/held/:id/approve | /reject {reason}. Keys: j/k move, a
 * approves, r rejects (focuses the reason first when it is empty).
 */
import { useEffect, useRef, useState } from 'react';
import { call, type Page } from '../api';
import { useConsole } from '../state';
import { Card, ErrorBox, Unavailable, useAsync, useInterval, when } from '../ui';

interface Held {
  id: string;
  to?: string;
  from?: string | null;
  text?: string;
  accountId?: string;
  appId?: string;
  createdAt?: string;
  heldAt?: string;
  rule?: unknown;
  ruleName?: string;
  reason?: string;
  detail?: unknown;
}

function ruleOf(h: Held): string {
  if (h.ruleName) return h.ruleName;
  if (typeof h.rule === 'string') return h.rule;
  if (h.rule && typeof h.rule === 'object') {
    const r = h.rule as { name?: string; kind?: string };
    return [r.name, r.kind && `(${r.kind})`].filter(Boolean).join(' ');
  }
  const d = h.detail as { rule?: string } | undefined;
  return d?.rule ?? h.reason ?? '—';
}

export function Review() {
  const { caps } = useConsole();
  if (!caps.review) return (
    <>
      <h1>Review</h1>
      <Unavailable what="The review workbench" endpoint="GET /api/v1/review/held" />
    </>
  );
  return (
    <>
      <Workbench />
      {caps.templates && <Templates />}
    </>
  );
}

interface Template {
  id: string;
  appId: string;
  name: string;
  body: string;
  status: string;
  createdAt: string;
}

/** Templates waiting for approval: GET /templates?status=pending, POST /templates/:id/approve | reject {reason}. */
function Templates() {
  const { auth } = useConsole();
  const list = useAsync(() => call<Page<Template>>('GET', '/api/v1/templates?status=pending', { auth }), [auth]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  async function decide(id: string, verb: 'approve' | 'reject') {
    setError(undefined);
    try {
      const reason = reasons[id]?.trim();
      await call('POST', `/api/v1/templates/${id}/${verb}`, { auth, body: reason ? { reason } : {} });
      list.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title={`Templates awaiting approval (${list.data?.items.length ?? 0})`}>
      <ErrorBox error={list.error ?? error} />
      <table data-testid="templates-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Body</th>
            <th>App</th>
            <th>Reason</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td className="text">{t.body}</td>
              <td>
                <code>{t.appId.slice(0, 8)}</code>
              </td>
              <td>
                <input aria-label="template reason" value={reasons[t.id] ?? ''} onChange={(e) => setReasons({ ...reasons, [t.id]: e.target.value })} />
              </td>
              <td className="buttons">
                <button className="primary" onClick={() => void decide(t.id, 'approve')}>
                  Approve
                </button>
                <button className="danger" onClick={() => void decide(t.id, 'reject')}>
                  Reject
                </button>
              </td>
            </tr>
          ))}
          {list.data && list.data.items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No template is waiting.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Card>
  );
}

function Workbench() {
  const { auth } = useConsole();
  const held = useAsync(() => call<Page<Held> | Held[]>('GET', '/api/v1/review/held?limit=100', { auth }), [auth]);
  useInterval(() => held.reload(), 5000);
  const items = Array.isArray(held.data) ? held.data : (held.data?.items ?? []);
  const [cursor, setCursor] = useState(0);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string[]>([]);
  const reasonRef = useRef<HTMLInputElement>(null);
  const visible = items.filter((h) => !done.includes(h.id));
  const current = visible[Math.min(cursor, visible.length - 1)];

  async function decide(kind: 'approve' | 'reject') {
    if (!current) return;
    setError(undefined);
    try {
      await call('POST', `/api/v1/review/held/${current.id}/${kind}`, { auth, body: reason.trim() ? { reason: reason.trim() } : {} });
      setDone((d) => [...d, current.id]);
      setReason('');
      held.reload();
    } catch (err) {
      setError(err);
    }
  }

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA') {
        if (e.key === 'Escape') target.blur();
        if (e.key === 'Enter' && target === reasonRef.current) void decide('reject');
        return;
      }
      if (e.key === 'j') setCursor((c) => Math.min(c + 1, Math.max(visible.length - 1, 0)));
      else if (e.key === 'k') setCursor((c) => Math.max(c - 1, 0));
      else if (e.key === 'a') void decide('approve');
      else if (e.key === 'r') {
        e.preventDefault();
        if (!reason.trim()) reasonRef.current?.focus();
        else void decide('reject');
      } else return;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <>
      <h1>Review</h1>
      <p className="muted small">
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> approve · <kbd>r</kbd> reject (type a reason, Enter) · <kbd>Esc</kbd> leave
        the reason field
      </p>
      <ErrorBox error={held.error ?? error} />
      <div className="split">
        <div className="list">
          <h3>Held ({visible.length})</h3>
          <ul className="held" data-testid="held-list">
            {visible.map((h, i) => (
              <li key={h.id} className={h === current ? 'active' : ''} onClick={() => setCursor(i)} data-testid={`held-${h.id}`}>
                <div>{h.to ? `+${h.to}` : h.id.slice(0, 8)}</div>
                <div className="muted small">{ruleOf(h)}</div>
              </li>
            ))}
          </ul>
          {visible.length === 0 && <p className="muted">Nothing is held.</p>}
        </div>
        <div className="detail">
          {current && (
            <Card title="Held message">
              <dl className="fields">
                <dt>Id</dt>
                <dd>
                  <code>{current.id}</code>
                </dd>
                <dt>To</dt>
                <dd>{current.to ? `+${current.to}` : '—'}</dd>
                <dt>From</dt>
                <dd>{current.from ?? '—'}</dd>
                <dt>Rule</dt>
                <dd data-testid="held-rule">{ruleOf(current)}</dd>
                <dt>Held</dt>
                <dd>{when(current.heldAt ?? current.createdAt)}</dd>
                <dt>Text</dt>
                <dd className="text big-text">{current.text}</dd>
              </dl>
              <div className="filters">
                <label>
                  Reason
                  <input ref={reasonRef} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="optional for approval" />
                </label>
                <button className="primary" onClick={() => void decide('approve')} data-testid="approve">
                  Approve (a)
                </button>
                <button className="danger" onClick={() => void decide('reject')} data-testid="reject">
                  Reject (r)
                </button>
              </div>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}
