/**
 * The application API (messages, balance) answers an app's Basic credentials.
 * An operator picks one of the apps the console knows (created here, or added
 * with its id and secret); a signed-in user's own token is used as it is.
 */
import { useState } from 'react';
import { basicHeader, type AppKey } from '../api';
import { useConsole } from '../state';

/** The Authorization header for application calls, or '' when none is chosen. */
export function useAppAuth(options: { appOnly?: boolean } = {}): { auth: string; app: AppKey | undefined; picker: React.ReactNode } {
  const { session, apps, addApp } = useConsole();
  const [chosen, setChosen] = useState<string>(() => sessionStorage.getItem('smsgw.app') ?? '');
  const [adding, setAdding] = useState(false);
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  // A user reads messages with their own token; submitting always takes an app's credentials.
  if (session?.kind === 'user' && !options.appOnly) return { auth: `Bearer ${session.accessToken}`, app: undefined, picker: null };
  const app = apps.find((a) => a.appId === chosen) ?? apps[0];
  const choose = (id: string) => {
    sessionStorage.setItem('smsgw.app', id);
    setChosen(id);
  };
  const picker = (
    <div className="apppicker">
      <label>
        App
        <select value={app?.appId ?? ''} onChange={(e) => choose(e.target.value)} data-testid="app-select">
          {apps.length === 0 && <option value="">— no app yet —</option>}
          {apps.map((a) => (
            <option key={a.appId} value={a.appId}>
              {a.name} ({a.appId.slice(0, 8)})
            </option>
          ))}
        </select>
      </label>
      {adding ? (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            addApp({ appId: appId.trim(), secret: secret.trim(), name: 'app' });
            choose(appId.trim());
            setAdding(false);
            setSecret('');
          }}
        >
          <input placeholder="app id" value={appId} onChange={(e) => setAppId(e.target.value)} required />
          <input placeholder="secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required />
          <button type="submit">Use</button>
          <button type="button" className="link" onClick={() => setAdding(false)}>
            cancel
          </button>
        </form>
      ) : (
        <button className="link" onClick={() => setAdding(true)}>
          add an app's credentials
        </button>
      )}
    </div>
  );
  return { auth: app ? basicHeader(app) : '', app, picker };
}
