/**
 * Money of one account: credit it (POST /accounts/:id/credit), its ledger
 * (GET /accounts/:id/ledger, newest first, with the balance) and its rates,
 * the price-per-part overrides by prefix (GET / PUT /accounts/:id/rates), and
 * its limits: credit limit and dispatch rate cap (PATCH /accounts/:id).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { call } from '../api';
import { useConsole } from '../state';
import { Card, ErrorBox, money, Unavailable, useAsync, when } from '../ui';

interface LedgerPage {
  balance: number;
  creditLimit?: number;
  items: Array<{ id: string; kind: string; amount: number; messageId: string | null; reference: string | null; at: string }>;
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function Finance() {
  const { caps, accounts, auth, path, navigate } = useConsole();
  const selected = new URLSearchParams(path.split('?')[1] ?? '').get('account') ?? accounts[0]?.id ?? '';
  const [accountId, setAccountId] = useState(selected);
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);
  const valid = UUID.test(selected);
  async function credit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      const r = await call<{ balance: number }>('POST', `/api/v1/accounts/${selected}/credit`, {
        auth,
        body: { amount: Number(amount), ...(reference ? { reference } : {}) },
      });
      setResult(`Balance now ${money(r.balance)}.`);
      setAmount('');
      setReference('');
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <>
      <h1>Finance</h1>
      <Card title="Account">
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(`/finance?account=${accountId.trim()}`);
          }}
        >
          <label>
            Account id
            <input name="finance-account" className="wide-id" list="known-accounts" value={accountId} onChange={(e) => setAccountId(e.target.value)} placeholder="account id" required />
            <datalist id="known-accounts">
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </datalist>
          </label>
          <button type="submit">Show</button>
        </form>
      </Card>
      {valid && (
        <Card title="Credit">
          <form className="filters" onSubmit={credit}>
            <label>
              Amount (minor units)
              <input name="finance-amount" type="number" min={1} step={1} value={amount} onChange={(e) => setAmount(e.target.value)} required />
            </label>
            <label>
              Reference
              <input name="finance-reference" value={reference} onChange={(e) => setReference(e.target.value)} placeholder="invoice 42" />
            </label>
            <button type="submit" className="primary">
              Credit
            </button>
          </form>
          {result && <p className="ok">{result}</p>}
          <ErrorBox error={error} />
        </Card>
      )}
      {valid && <AccountLimits key={selected} accountId={selected} onSaved={() => setVersion((v) => v + 1)} />}
      {!caps.ledger && <Unavailable what="The ledger and rates" endpoint="GET /api/v1/accounts/:id/ledger" />}
      {caps.ledger && valid && (
        <>
          <Ledger key={`${selected}-${version}`} accountId={selected} />
          <Rates key={selected} accountId={selected} />
        </>
      )}
    </>
  );
}

interface AccountLimitsAnswer {
  creditLimit: number;
  dispatchRatePerSecond: number | null;
}

/**
 * The account's limits (PATCH /accounts/:id): its credit limit, how far
 * below zero the balance may go (0: prepaid only), and its dispatch rate
 * cap, messages per second at most across its apps (empty: none).
 */
function AccountLimits({ accountId, onSaved }: { accountId: string; onSaved: () => void }) {
  const { auth } = useConsole();
  const account = useAsync(() => call<AccountLimitsAnswer>('GET', `/api/v1/accounts/${accountId}`, { auth }), [auth, accountId]);
  const [credit, setCredit] = useState<string | null>(null);
  const [cap, setCap] = useState<string | null>(null);
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();
  const creditValue = credit ?? (account.data?.creditLimit ?? 0).toString();
  const capValue = cap ?? (account.data?.dispatchRatePerSecond ?? '').toString();
  async function save(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setSaved(undefined);
    try {
      const body = { creditLimit: Number(creditValue.trim() || '0'), dispatchRatePerSecond: capValue.trim() === '' ? null : Number(capValue.trim()) };
      const answer = await call<AccountLimitsAnswer>('PATCH', `/api/v1/accounts/${accountId}`, { auth, body });
      setCredit(String(answer.creditLimit));
      setCap(answer.dispatchRatePerSecond === null ? '' : String(answer.dispatchRatePerSecond));
      const creditText = answer.creditLimit > 0 ? `Credit limit ${money(answer.creditLimit)}` : 'Prepaid only (no credit limit)';
      const capText = answer.dispatchRatePerSecond === null ? 'no dispatch cap' : `dispatch capped at ${answer.dispatchRatePerSecond} messages per second`;
      setSaved(`${creditText}; ${capText}.`);
      onSaved();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Limits">
      <form className="filters" onSubmit={save}>
        <label>
          Credit limit (minor units, 0: prepaid only)
          <input name="finance-credit-limit" type="number" min={0} step={1} value={creditValue} onChange={(e) => setCredit(e.target.value)} disabled={!account.data} required />
        </label>
        <label>
          Dispatch cap, messages per second (empty: none)
          <input name="finance-dispatch-cap" type="number" min={1} step={1} value={capValue} onChange={(e) => setCap(e.target.value)} disabled={!account.data} />
        </label>
        <button type="submit" disabled={!account.data}>
          Save limits
        </button>
      </form>
      {saved && (
        <p className="ok" data-testid="limits-saved">
          {saved}
        </p>
      )}
      <ErrorBox error={account.error ?? error} />
    </Card>
  );
}

function Ledger({ accountId }: { accountId: string }) {
  const { auth } = useConsole();
  const page = useAsync(() => call<LedgerPage>('GET', `/api/v1/accounts/${accountId}/ledger?limit=100`, { auth }), [auth, accountId]);
  const p = page.data;
  return (
    <Card title="Ledger">
      <ErrorBox error={page.error} />
      {p && (
        <p>
          Balance <strong data-testid="ledger-balance">{money(p.balance)}</strong>
          {p.creditLimit ? <span className="muted"> (credit limit {money(p.creditLimit)})</span> : null}
        </p>
      )}
      <table data-testid="ledger-table">
        <thead>
          <tr>
            <th>At</th>
            <th>Kind</th>
            <th className="num">Amount</th>
            <th>Message / reference</th>
          </tr>
        </thead>
        <tbody>
          {(p?.items ?? []).map((r) => (
            <tr key={r.id}>
              <td>{when(r.at)}</td>
              <td>{r.kind}</td>
              <td className={`num ${r.amount < 0 ? 'bad' : 'ok'}`}>{money(r.amount)}</td>
              <td className="text">{r.messageId ? <code>{r.messageId}</code> : (r.reference ?? '—')}</td>
            </tr>
          ))}
          {p && p.items.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No ledger rows.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Card>
  );
}

interface RateRow {
  prefix: string;
  price: string;
}

function Rates({ accountId }: { accountId: string }) {
  const { auth } = useConsole();
  const rates = useAsync(() => call<{ items: Array<{ prefix: string; price: number }> }>('GET', `/api/v1/accounts/${accountId}/rates`, { auth }), [auth, accountId]);
  const [rows, setRows] = useState<RateRow[] | null>(null);
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (rates.data && rows === null) setRows(rates.data.items.map((r) => ({ prefix: r.prefix, price: String(r.price) })));
  }, [rates.data, rows]);
  const current = rows ?? [];
  const seen = new Set<string>();
  const problems = current.map((r) => {
    const p: string[] = [];
    if (!/^[0-9]{0,15}$/.test(r.prefix.trim())) p.push('prefix: 0-15 digits');
    if (seen.has(r.prefix.trim())) p.push('duplicate prefix');
    seen.add(r.prefix.trim());
    if (!/^[0-9]+$/.test(r.price.trim())) p.push('price: whole minor units');
    return p;
  });
  const invalid = problems.some((p) => p.length > 0);
  async function save() {
    setError(undefined);
    try {
      const body = current.map((r) => ({ prefix: r.prefix.trim(), price: Number(r.price.trim()) }));
      const answer = await call<{ items: Array<{ prefix: string; price: number }> }>('PUT', `/api/v1/accounts/${accountId}/rates`, { auth, body });
      setRows(answer.items.map((r) => ({ prefix: r.prefix, price: String(r.price) })));
      setSaved(`Saved ${answer.items.length} rate${answer.items.length === 1 ? '' : 's'}.`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card
      title="Rates"
      actions={
        <>
          <button onClick={() => setRows([...current, { prefix: '', price: '0' }])}>Add rate</button>
          <button className="primary" disabled={invalid} onClick={save}>
            Save rates
          </button>
        </>
      }
    >
      <p className="muted small">Price per part for this account by number prefix; the longest matching prefix wins over the route&apos;s price.</p>
      <ErrorBox error={rates.error ?? error} />
      <table>
        <thead>
          <tr>
            <th>Prefix</th>
            <th className="num">Price / part</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {current.map((r, i) => (
            <tr key={i} className={problems[i]!.length ? 'invalid' : ''}>
              <td>
                <input aria-label="rate prefix" value={r.prefix} placeholder="(every number)" onChange={(e) => setRows(current.map((x, j) => (j === i ? { ...x, prefix: e.target.value } : x)))} />
                {problems[i]!.map((p) => (
                  <div key={p} className="problem">
                    {p}
                  </div>
                ))}
              </td>
              <td className="num">
                <input aria-label="rate price" className="num" value={r.price} onChange={(e) => setRows(current.map((x, j) => (j === i ? { ...x, price: e.target.value } : x)))} />
              </td>
              <td>
                <button className="link danger" onClick={() => setRows(current.filter((_, j) => j !== i))}>
                  remove
                </button>
              </td>
            </tr>
          ))}
          {current.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                No overrides: the routes&apos; prices apply.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {saved && <p className="ok">{saved}</p>}
    </Card>
  );
}
