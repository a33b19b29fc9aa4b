/**
 * Console-wide state: the session, the app credentials the console may use
 * (kept in sessionStorage only, so they leave with the tab), the accounts the
 * operator opened (localStorage: ids and names, no secrets), which optional
 * backends exist, and a tiny history-API router under /console.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { authHeader, endpointExists, onAccessTokenExpired, refreshSession, roleOf, type AppKey, type Role, type Session } from './api';

const SESSION_KEY = 'smsgw.session';
const APPS_KEY = 'smsgw.apps';
const ACCOUNTS_KEY = 'smsgw.accounts';
export const BASE = '/console';

export interface Capabilities {
  /** POST /api/v1/auth/login (users and roles). */
  login: boolean;
  /** GET /api/v1/review/held (content review). */
  review: boolean;
  /** GET /api/v1/reports (reports and CSV). */
  reports: boolean;
  /** GET /api/v1/accounts/:id/ledger and /rates (finance). */
  ledger: boolean;
  /** GET /api/v1/accounts/:id/apps and POST /api/v1/apps/:appId/secret. */
  appKeys: boolean;
  /** GET /api/v1/templates (template approval). */
  templates: boolean;
  /** GET /api/v1/apps/:appId/numbers and /quota (MO numbers, monthly quota). */
  numbers: boolean;
  /** GET /api/v1/stream/stats (live dashboard). */
  stream: boolean;
}

export interface KnownAccount {
  id: string;
  name: string;
}

interface ConsoleState {
  session: Session | null;
  role: Role | null;
  auth: string;
  signIn(session: Session): void;
  signOut(): void;
  apps: AppKey[];
  addApp(key: AppKey): void;
  removeApp(appId: string): void;
  accounts: KnownAccount[];
  rememberAccount(account: KnownAccount): void;
  caps: Capabilities;
  refreshCaps(): Promise<void>;
  path: string;
  navigate(to: string): void;
}

const Ctx = createContext<ConsoleState | null>(null);

/** True until the first sign-in when the tab was opened on a page other than the home page. */
let initialDeepLink = currentPathIsDeep();
function currentPathIsDeep(): boolean {
  const p = window.location.pathname.replace(/\/+$/, '');
  return p !== BASE && p !== '';
}

function load<T>(storage: Storage, key: string, fallback: T): T {
  try {
    const raw = storage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function currentPath(): string {
  const p = window.location.pathname;
  const rest = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return (rest || '/') + window.location.search;
}

const NO_CAPS: Capabilities = { login: false, review: false, reports: false, ledger: false, appKeys: false, templates: false, numbers: false, stream: false };
const NO_ID = '00000000-0000-4000-8000-000000000000';

export function ConsoleProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => load(sessionStorage, SESSION_KEY, null));
  const [apps, setApps] = useState<AppKey[]>(() => load(sessionStorage, APPS_KEY, []));
  const [accounts, setAccounts] = useState<KnownAccount[]>(() => load(localStorage, ACCOUNTS_KEY, []));
  const [caps, setCaps] = useState<Capabilities>(NO_CAPS);
  const [path, setPath] = useState(currentPath);

  useEffect(() => {
    const onPop = () => setPath(currentPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: string) => {
    window.history.pushState(null, '', BASE + to);
    setPath(to);
    window.scrollTo(0, 0);
  }, []);

  const auth = session ? authHeader(session) : '';

  const refreshCaps = useCallback(async () => {
    const probe = (method: string, path: string) => (auth ? endpointExists(method, path, auth) : Promise.resolve(false));
    // The stats stream is served with the console (src/http/console-routes.ts); probing it would open a stream.
    const stream = true;
    const [login, review, reports, ledger, appKeys, templates, numbers] = await Promise.all([
      endpointExists('POST', '/api/v1/auth/login'),
      probe('GET', '/api/v1/review/held'),
      probe('GET', '/api/v1/reports?format=json'),
      probe('GET', `/api/v1/accounts/${NO_ID}/ledger`),
      probe('GET', `/api/v1/accounts/${NO_ID}/apps`),
      probe('GET', '/api/v1/templates'),
      probe('GET', `/api/v1/apps/${NO_ID}/numbers`),
    ]);
    setCaps({ login, review, reports, ledger, appKeys, templates, numbers, stream });
  }, [auth]);

  // An expired access token is exchanged once for a new pair; a failed exchange signs out.
  useEffect(() => {
    onAccessTokenExpired(async (stale) => {
      const current = load<Session | null>(sessionStorage, SESSION_KEY, null);
      if (current?.kind !== 'user' || `Bearer ${current.accessToken}` !== stale) return current ? authHeader(current) : undefined;
      try {
        const next = await refreshSession(current);
        sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
        setSession(next);
        return authHeader(next);
      } catch {
        sessionStorage.removeItem(SESSION_KEY);
        setSession(null);
        return undefined;
      }
    });
  }, []);

  useEffect(() => {
    void refreshCaps();
  }, [refreshCaps]);

  const value = useMemo<ConsoleState>(
    () => ({
      session,
      role: session ? roleOf(session) : null,
      auth,
      signIn(s) {
        sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
        setSession(s);
        // A deep link (/console/messages/…) survives sign-in; otherwise start at the role's home page.
        if (!initialDeepLink) navigate('/');
        initialDeepLink = false;
      },
      signOut() {
        sessionStorage.removeItem(SESSION_KEY);
        sessionStorage.removeItem(APPS_KEY);
        setSession(null);
        setApps([]);
      },
      apps,
      addApp(key) {
        setApps((prev) => {
          const next = [key, ...prev.filter((a) => a.appId !== key.appId)];
          sessionStorage.setItem(APPS_KEY, JSON.stringify(next));
          return next;
        });
      },
      removeApp(appId) {
        setApps((prev) => {
          const next = prev.filter((a) => a.appId !== appId);
          sessionStorage.setItem(APPS_KEY, JSON.stringify(next));
          return next;
        });
      },
      accounts,
      rememberAccount(account) {
        setAccounts((prev) => {
          const next = [account, ...prev.filter((a) => a.id !== account.id)].slice(0, 50);
          localStorage.setItem(ACCOUNTS_KEY, JSON.stringify(next));
          return next;
        });
      },
      caps,
      refreshCaps,
      path,
      navigate,
    }),
    [session, auth, apps, accounts, caps, refreshCaps, path, navigate],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useConsole(): ConsoleState {
  const value = useContext(Ctx);
  if (!value) throw new Error('useConsole outside ConsoleProvider');
  return value;
}

/** An in-console link (no full page load). */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const { navigate } = useConsole();
  return (
    <a
      href={BASE + to}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
