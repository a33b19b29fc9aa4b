/**
 * "New campaign": POST /api/v1/batches as an app (its Basic credentials from
 * the picker). The recipients are typed numbers (JSON `to`) or a CSV file read
 * in the browser and sent as it is (Content-Type text/csv, the other fields
 * as query parameters); the answer's accepted count, price and refused list
 * are shown.
 */
import { useState, type FormEvent } from 'react';
import { call, type BatchAccepted } from '../api';
import { Link } from '../state';
import { Card, ErrorBox, money, when } from '../ui';
import { useAppAuth } from './AppPicker';

/** A datetime-local value ("2026-12-01T09:00") as an ISO 8601 instant with the browser's offset, which the API requires. */
export function localInputToIso(value: string): string {
  const d = new Date(value);
  const pad = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const offset = -d.getTimezoneOffset(); // minutes east of UTC
  const sign = offset >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

export function CampaignForm({ onCreated }: { onCreated: () => void }) {
  const { auth, picker } = useAppAuth({ appOnly: true });
  const [numbers, setNumbers] = useState('');
  const [csv, setCsv] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [from, setFrom] = useState('');
  const [priority, setPriority] = useState<'normal' | 'express'>('normal');
  const [scheduleAt, setScheduleAt] = useState('');
  const [answer, setAnswer] = useState<BatchAccepted>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setAnswer(undefined);
    try {
      const fields: Record<string, string> = { text, priority };
      if (from.trim()) fields.from = from.trim();
      if (scheduleAt) fields.scheduleAt = localInputToIso(scheduleAt);
      let accepted: BatchAccepted;
      if (csv) {
        accepted = await call<BatchAccepted>('POST', `/api/v1/batches?${new URLSearchParams(fields)}`, {
          auth,
          text: await csv.text(),
          headers: { 'content-type': 'text/csv' },
        });
      } else {
        const to = numbers.split(/[,;\n]+/).map((n) => n.trim()).filter(Boolean);
        accepted = await call<BatchAccepted>('POST', '/api/v1/batches', { auth, body: { ...fields, to } });
      }
      setAnswer(accepted);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="New campaign">
      {picker}
      <form className="grid-form wide" onSubmit={submit} data-testid="campaign-form">
        <label className="full">
          Numbers (one per line or comma-separated)
          <textarea name="campaign-numbers" rows={4} value={numbers} onChange={(e) => setNumbers(e.target.value)} required={!csv} disabled={csv !== null} />
        </label>
        <label>
          Or a CSV file (a &quot;to&quot; column)
          <input name="campaign-csv" type="file" accept=".csv,text/csv" onChange={(e) => setCsv(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          From (optional sender)
          <input name="campaign-from" value={from} onChange={(e) => setFrom(e.target.value)} maxLength={15} />
        </label>
        <label className="full">
          Text
          <textarea name="campaign-text" rows={3} value={text} onChange={(e) => setText(e.target.value)} required />
        </label>
        <label>
          Priority
          <select name="campaign-priority" value={priority} onChange={(e) => setPriority(e.target.value as 'normal' | 'express')}>
            <option>normal</option>
            <option>express</option>
          </select>
        </label>
        <label>
          Send at (optional, your local time)
          <input name="campaign-schedule" type="datetime-local" value={scheduleAt} onChange={(e) => setScheduleAt(e.target.value)} />
        </label>
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy || !auth}>
            Send campaign
          </button>
        </div>
      </form>
      {!auth && <p className="muted">Pick or add an app first (create one under Accounts &amp; apps).</p>}
      <ErrorBox error={error} />
      {answer && (
        <div data-testid="campaign-result">
          <p className="ok">
            Campaign <Link to={`/campaigns/${answer.batchId}`}>{answer.batchId}</Link>: accepted <strong data-testid="campaign-accepted">{answer.accepted}</strong>, price{' '}
            <strong data-testid="campaign-price">{money(answer.price)}</strong>
            {answer.scheduleAt ? `, sending at ${when(answer.scheduleAt)}` : ''}.
          </p>
          {answer.refused.length > 0 && (
            <table data-testid="campaign-refused">
              <thead>
                <tr>
                  <th>Refused number</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {answer.refused.map((r, i) => (
                  <tr key={i}>
                    <td>{r.to}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </Card>
  );
}
