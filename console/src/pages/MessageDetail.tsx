/** One message: its fields, price, its parts as carriers took them (partDetails) and its event timeline; refreshes until it is final. */
import { call, FINAL_STATUSES, type Message } from '../api';
import { Link, useConsole } from '../state';
import { Card, ErrorBox, money, Status, useAsync, useInterval, when } from '../ui';
import { useAppAuth } from './AppPicker';

export function MessageDetail({ id }: { id: string }) {
  const { role, auth: sessionAuth } = useConsole();
  const appAuth = useAppAuth();
  // Operators read any account's message with their own credentials (and see each part's cost).
  const auth = role === 'admin' ? sessionAuth : appAuth.auth;
  const picker = role === 'admin' ? null : appAuth.picker;
  const msg = useAsync(async () => (auth ? call<Message>('GET', `/api/v1/messages/${id}`, { auth }) : undefined), [auth, id]);
  const final = msg.data && (FINAL_STATUSES as readonly string[]).includes(msg.data.status);
  useInterval(() => msg.reload(), final ? null : 1000);
  const m = msg.data;
  return (
    <>
      <p>
        <Link to="/messages">← Messages</Link>
      </p>
      <h1>
        Message <code className="id">{id}</code>
      </h1>
      {picker}
      <ErrorBox error={msg.error} />
      {m && (
        <div className="grid2">
          <Card title="Message">
            <dl className="fields">
              <dt>Status</dt>
              <dd data-testid="detail-status">
                <Status status={m.status} />
                {m.errorCode && <span className="muted"> {m.errorCode}</span>}
              </dd>
              <dt>To</dt>
              <dd>+{m.to}</dd>
              <dt>From</dt>
              <dd>{m.from ?? '—'}</dd>
              <dt>Text</dt>
              <dd className="text">{m.text}</dd>
              <dt>Parts</dt>
              <dd>
                {m.parts} × {m.encoding === 'ucs2' ? 'UCS-2' : 'GSM 7-bit'}
              </dd>
              <dt>Price</dt>
              <dd>{money(m.price)}</dd>
              <dt>Priority</dt>
              <dd>{m.priority}</dd>
              <dt>Reference</dt>
              <dd>{m.reference ?? '—'}</dd>
              <dt>Carrier</dt>
              <dd>{m.carrier ?? '—'}</dd>
              <dt>Carrier id</dt>
              <dd>
                <code>{m.carrierMessageId ?? '—'}</code>
              </dd>
              <dt>Created</dt>
              <dd>{when(m.createdAt)}</dd>
            </dl>
          </Card>
          <Card title="Parts">
            <table data-testid="part-details">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Carrier</th>
                  <th>Carrier id</th>
                  <th>Status</th>
                  <th>Done</th>
                  {role === 'admin' && <th className="num">Cost</th>}
                </tr>
              </thead>
              <tbody>
                {(m.partDetails ?? []).map((p) => (
                  <tr key={p.index}>
                    <td className="num">{p.index}</td>
                    <td>{p.carrier ?? '—'}</td>
                    <td>
                      <code>{p.carrierMessageId}</code>
                    </td>
                    <td>
                      <Status status={p.status} />
                      {p.errorCode && <span className="muted"> {p.errorCode}</span>}
                    </td>
                    <td>{when(p.doneAt)}</td>
                    {role === 'admin' && <td className="num">{money(p.cost)}</td>}
                  </tr>
                ))}
                {(m.partDetails ?? []).length === 0 && (
                  <tr>
                    <td colSpan={6} className="muted">
                      Not handed to a carrier yet.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </Card>
          <Card title="Timeline">
            <ol className="timeline" data-testid="timeline">
              {(m.events ?? []).map((e) => (
                <li key={`${e.status}-${e.at}`}>
                  <Status status={e.status} />
                  <span className="at">{when(e.at)}</span>
                  {e.detail !== null && e.detail !== undefined && Object.keys(e.detail as object).length > 0 && (
                    <code className="details">{JSON.stringify(e.detail)}</code>
                  )}
                </li>
              ))}
            </ol>
          </Card>
        </div>
      )}
    </>
  );
}
