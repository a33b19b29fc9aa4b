/** GET /api/v1/reports?from=&to=&groupBy=&format=json|csv: a bar chart per group and the CSV link. */
import { useState } from 'react';
import { call } from '../api';
import { useConsole } from '../state';
import { Card, ErrorBox, Unavailable, useAsync, when } from '../ui';

type Row = Record<string, string | number | null>;

export function Reports() {
  const { caps } = useConsole();
  if (!caps.reports)
    return (
      <>
        <h1>Reports</h1>
        <Unavailable what="Reports" endpoint="GET /api/v1/reports" />
      </>
    );
  return <ReportView />;
}

function ReportView() {
  const { auth } = useConsole();
  // Dates are UTC days; `to` is exclusive, so the default (tomorrow) includes today.
  const tomorrow = new Date(Date.now() + 86400_000);
  const weekAgo = new Date(Date.now() - 7 * 86400_000);
  const [from, setFrom] = useState(weekAgo.toISOString().slice(0, 10));
  const [to, setTo] = useState(tomorrow.toISOString().slice(0, 10));
  const [groupBy, setGroupBy] = useState('day');
  const query = `from=${from}&to=${to}&groupBy=${groupBy}`;
  const report = useAsync(
    () => call<{ items?: Row[]; rows?: Row[]; rolledUpAt?: string | null } | Row[]>('GET', `/api/v1/reports?${query}&format=json`, { auth }),
    [auth, query],
  );
  const rows: Row[] = Array.isArray(report.data) ? report.data : (report.data?.items ?? report.data?.rows ?? []);
  const numeric = rows[0] ? Object.keys(rows[0]).filter((k) => k !== groupBy && typeof rows[0]![k] === 'number') : [];
  const [metric, setMetric] = useState('');
  const shown = numeric.includes(metric) ? metric : (numeric[0] ?? '');
  const max = Math.max(1, ...rows.map((r) => Number(r[shown] ?? 0)));

  async function downloadCsv() {
    // The CSV needs the Authorization header, so it is fetched and handed over as a blob.
    const response = await fetch(`/api/v1/reports?${query}&format=csv`, { headers: { authorization: auth } });
    const blob = await response.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `smsgw-report-${from}-${to}-${groupBy}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  }

  return (
    <>
      <h1>Reports</h1>
      <Card title="Period" actions={<button onClick={() => void downloadCsv()}>Download CSV</button>}>
        <div className="filters">
          <label>
            From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <label>
            Group by
            <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
              {['hour', 'day', 'status', 'carrier', 'prefix', 'app'].map((g) => (
                <option key={g}>{g}</option>
              ))}
            </select>
          </label>
          <label>
            Show
            <select value={shown} onChange={(e) => setMetric(e.target.value)}>
              {numeric.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
        </div>
      </Card>
      <ErrorBox error={report.error} />
      <Card title={shown ? `${shown} by ${groupBy}` : 'Report'} actions={!Array.isArray(report.data) && report.data?.rolledUpAt ? <span className="muted small">rolled up {when(report.data.rolledUpAt)}</span> : undefined}>
        <div className="bars">
          {rows.map((r, i) => (
            <div key={i} className="bar-row">
              <span className="bar-label">{String(r[groupBy] ?? '—')}</span>
              <span className="bar" style={{ width: `${(Number(r[shown] ?? 0) / max) * 100}%` }} />
              <span className="bar-value">{Number(r[shown] ?? 0).toLocaleString('en-US')}</span>
            </div>
          ))}
          {rows.length === 0 && <p className="muted">No data in this period.</p>}
        </div>
      </Card>
      {rows.length > 0 && (
        <Card title="Figures">
          <div className="scroll">
          <table data-testid="report-table">
            <thead>
              <tr>
                {Object.keys(rows[0]!).map((k) => (
                  <th key={k} className={k === groupBy ? '' : 'num'}>
                    {k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {Object.entries(r).map(([k, v]) => (
                    <td key={k} className={k === groupBy ? '' : 'num'}>
                      {typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : String(v ?? '—')}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </Card>
      )}
    </>
  );
}
