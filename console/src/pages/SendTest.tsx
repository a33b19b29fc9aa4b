/** POST /api/v1/messages as an app, with a parts and encoding estimate while typing. */
import { useState, type FormEvent } from 'react';
import { call } from '../api';
import { Link } from '../state';
import { Card, ErrorBox, money, Status } from '../ui';
import { useAppAuth } from './AppPicker';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '^{}\\[~]|€\f';

/** The gateway's rule (README "Text and parts"): GSM 03.38 septets or UCS-2 units, 160/153 or 70/67 per part. */
export function estimateParts(text: string): { encoding: 'gsm' | 'ucs2'; units: number; parts: number } {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXT.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'gsm', units: septets, parts: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length; // UTF-16 code units = UCS-2 units (a surrogate pair counts 2)
  return { encoding: 'ucs2', units, parts: units <= 70 ? 1 : Math.ceil(units / 67) };
}

interface Accepted {
  messages: Array<{ id: string; to: string; parts: number; encoding: string; price: number; status: string }>;
}

export function SendTest() {
  const { auth, picker } = useAppAuth({ appOnly: true });
  const [to, setTo] = useState('');
  const [from, setFrom] = useState('');
  const [text, setText] = useState('Hello from the smsgw console');
  const [priority, setPriority] = useState<'normal' | 'express'>('normal');
  const [answer, setAnswer] = useState<Accepted>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const est = estimateParts(text);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setAnswer(undefined);
    try {
      const numbers = to.split(/[,;\n]+/).map((n) => n.trim()).filter(Boolean);
      setAnswer(
        await call<Accepted>('POST', '/api/v1/messages', {
          auth,
          body: { to: numbers.length === 1 ? numbers[0] : numbers, text, priority, ...(from.trim() ? { from: from.trim() } : {}) },
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Send a test message</h1>
      {picker}
      <Card title="Message">
        <form className="grid-form wide" onSubmit={submit}>
          <label>
            To (numbers, comma-separated)
            <input name="send-to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="+989121234567" required />
          </label>
          <label>
            From (optional sender)
            <input name="send-from" value={from} onChange={(e) => setFrom(e.target.value)} maxLength={15} />
          </label>
          <label className="full">
            Text
            <textarea name="send-text" rows={4} value={text} onChange={(e) => setText(e.target.value)} required />
          </label>
          <div className="muted small full" data-testid="estimate">
            {est.encoding === 'gsm' ? 'GSM 7-bit' : 'UCS-2'}, {est.units} {est.encoding === 'gsm' ? 'septets' : 'units'}, {est.parts} part
            {est.parts === 1 ? '' : 's'}
          </div>
          <label>
            Priority
            <select value={priority} onChange={(e) => setPriority(e.target.value as 'normal' | 'express')}>
              <option>normal</option>
              <option>express</option>
            </select>
          </label>
          <div className="buttons">
            <button type="submit" className="primary" disabled={busy || !auth}>
              Send
            </button>
          </div>
        </form>
        {!auth && <p className="muted">Pick or add an app first (create one under Accounts &amp; apps).</p>}
        <ErrorBox error={error} />
      </Card>
      {answer && (
        <Card title="Accepted">
          <table data-testid="send-result">
            <thead>
              <tr>
                <th>Id</th>
                <th>To</th>
                <th className="num">Parts</th>
                <th>Encoding</th>
                <th className="num">Price</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {answer.messages.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/messages/${m.id}`}>{m.id}</Link>
                  </td>
                  <td>+{m.to}</td>
                  <td className="num">{m.parts}</td>
                  <td>{m.encoding}</td>
                  <td className="num">{money(m.price)}</td>
                  <td>
                    <Status status={m.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
