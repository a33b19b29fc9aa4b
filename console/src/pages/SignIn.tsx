/** Sign in with a user's email and password (when the gateway has users) or with the operator token. */
import { useState, type FormEvent } from 'react';
import { checkOperatorToken, login } from '../api';
import { useConsole } from '../state';
import { ErrorBox } from '../ui';

export function SignIn() {
  const { signIn, caps } = useConsole();
  const [mode, setMode] = useState<'user' | 'token'>('token');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const userMode = caps.login && mode === 'user';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      signIn(userMode ? await login(email.trim(), password) : await checkOperatorToken(token.trim()));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <form onSubmit={submit} className="card">
        <h1>
          smsgw <span>console</span>
        </h1>
        {caps.login && (
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={mode === 'user'} className={mode === 'user' ? 'on' : ''} onClick={() => setMode('user')}>
              Email and password
            </button>
            <button type="button" role="tab" aria-selected={mode === 'token'} className={mode === 'token' ? 'on' : ''} onClick={() => setMode('token')}>
              Operator token
            </button>
          </div>
        )}
        {userMode ? (
          <>
            <label>
              Email
              <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
            </label>
          </>
        ) : (
          <label>
            Operator token (ADMIN_TOKEN)
            <input name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
          </label>
        )}
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {!caps.login && <p className="muted small">User accounts (email and password) appear here when the gateway serves /api/v1/auth/login.</p>}
      </form>
    </div>
  );
}
