/** Small shared pieces: errors, badges, money, async loading. */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  const details = e instanceof ApiError && e.details ? JSON.stringify(e.details) : '';
  return (
    <div className="error" role="alert">
      <strong>{e instanceof ApiError ? e.code : 'Error'}</strong>: {e.message}
      {details && <code className="details">{details}</code>}
    </div>
  );
}

export function Status({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

export function Breaker({ state }: { state: string }) {
  return <span className={`badge breaker-${state}`}>{state}</span>;
}

/** Integer minor units, shown as they are with thousands separators (the operator's one currency). */
export function money(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString('en-US');
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function Card({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      <header>
        <h2>{title}</h2>
        {actions && <div className="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Unavailable({ what, endpoint }: { what: string; endpoint: string }) {
  return (
    <div className="unavailable">
      <p>
        <strong>{what}</strong> needs <code>{endpoint}</code>, which this gateway does not serve yet. The page appears as soon
        as the backend does (the console asks at sign-in).
      </p>
    </div>
  );
}

/** Runs `load` now and whenever `deps` change; `reload()` runs it again. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    run().then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [run]);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/** Calls `fn` every `ms` while the tab is visible. */
export function useInterval(fn: () => void, ms: number | null) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (ms === null) return;
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') saved.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms]);
}
