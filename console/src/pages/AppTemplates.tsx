/**
 * An app's message templates (GET/POST/DELETE /api/v1/apps/:appId/templates):
 * admins and the app's customer submit them; a reviewer approves them on the
 * Review page. Placeholders are written `{name}`; an optional rate policy
 * limits messages per destination number (per minute, per day).
 */
import { useState } from 'react';
import { call, type Page } from '../api';
import { useConsole } from '../state';
import { ErrorBox, useAsync } from '../ui';

interface TemplateView {
  readonly id: string;
  readonly name: string;
  readonly body: string;
  readonly status: string;
  readonly ratePolicy: { perMinute?: number; perDay?: number } | null;
}

export function AppTemplates({ appId }: { appId: string }) {
  const { auth } = useConsole();
  const templates = useAsync(() => call<Page<TemplateView>>('GET', `/api/v1/apps/${appId}/templates`, { auth }), [auth, appId]);
  const [name, setName] = useState('');
  const [body, setBody] = useState('');
  const [perMinute, setPerMinute] = useState('');
  const [perDay, setPerDay] = useState('');
  const [error, setError] = useState<unknown>();

  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      templates.reload();
    } catch (err) {
      setError(err);
    }
  }

  const ratePolicy = {
    ...(perMinute.trim() !== '' ? { perMinute: Number(perMinute) } : {}),
    ...(perDay.trim() !== '' ? { perDay: Number(perDay) } : {}),
  };
  return (
    <div data-testid="app-templates">
      <h3>Templates of {appId.slice(0, 8)}</h3>
      <ul className="plain">
        {(templates.data?.items ?? []).map((t) => (
          <li key={t.id} data-testid={`template-${t.name}`}>
            <strong>{t.name}</strong> <span className="badge">{t.status}</span> <code>{t.body}</code>
            {t.ratePolicy && <span className="muted"> · per number: {[t.ratePolicy.perMinute && `${t.ratePolicy.perMinute}/min`, t.ratePolicy.perDay && `${t.ratePolicy.perDay}/day`].filter(Boolean).join(', ')}</span>}{' '}
            <button className="link danger" onClick={() => void run(() => call('DELETE', `/api/v1/apps/${appId}/templates/${t.id}`, { auth }))}>
              remove
            </button>
          </li>
        ))}
        {templates.data && templates.data.items.length === 0 && <li className="muted">No templates.</li>}
      </ul>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const request = { name, body, ...(Object.keys(ratePolicy).length > 0 ? { ratePolicy } : {}) };
          void run(async () => {
            await call('POST', `/api/v1/apps/${appId}/templates`, { auth, body: request });
            setName('');
            setBody('');
            setPerMinute('');
            setPerDay('');
          });
        }}
      >
        <label>
          Name
          <input name="template-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="otp" required />
        </label>
        <label>
          Text, with {'{placeholders}'}
          <input name="template-body" value={body} onChange={(e) => setBody(e.target.value)} placeholder="Your code is {code}" required />
        </label>
        <label>
          Per number per minute
          <input type="number" min={1} value={perMinute} onChange={(e) => setPerMinute(e.target.value)} />
        </label>
        <label>
          Per number per day
          <input type="number" min={1} value={perDay} onChange={(e) => setPerDay(e.target.value)} />
        </label>
        <button type="submit">Submit template</button>
      </form>
      <ErrorBox error={templates.error ?? error} />
    </div>
  );
}
