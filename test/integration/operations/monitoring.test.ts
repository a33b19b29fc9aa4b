/**
 * The Grafana dashboard and the Prometheus alert rules against a real
 * gateway: both files parse, and every metric their expressions use (and
 * every label they select on) exists on /metrics of a gateway that carried
 * traffic. Histograms count through their _bucket, _sum and _count series.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { SubmitClass } from '../../../src/carriers/error-class';
import { FINAL_STATUSES } from '../../../src/core/lifecycle';
import { parsePrometheusText, type Sample } from '../../../src/metrics/prometheus-text';
import { QUEUE_NAMES } from '../../../src/workers/stage-queues';
import { allFinal, send } from '../../helpers/carriers';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let families: Map<string, string>;
let samples: Sample[];

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 } });
  const { creds } = await t.customer(1000);
  await allFinal(t, await send(t, creds, ['989121234567']), 10_000);
  const text = await (await fetch(`${t.base}/metrics`)).text();
  families = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  samples = parsePrometheusText(text);
});

afterAll(async () => {
  await t?.stop();
});

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Array<{ expr: string; refId: string }>;
}

const dashboard = JSON.parse(readFileSync('monitoring/grafana/smsgw.json', 'utf8')) as {
  uid: string;
  title: string;
  __inputs: Array<{ name: string; pluginId: string }>;
  panels: Panel[];
};
const rules = parseYaml(readFileSync('monitoring/alerts.yml', 'utf8')) as {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for: string; labels: { severity: string }; annotations: { summary: string } }> }>;
};
const scrape = parseYaml(readFileSync('monitoring/prometheus.yml', 'utf8')) as {
  rule_files: string[];
  scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
};

const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((tg) => ({ where: `panel "${p.title}"`, expr: tg.expr })));
const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));

/** The family a series name belongs to: itself, or a histogram's when it ends in _bucket, _sum or _count. */
function familyOf(name: string): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && families.get(base) === 'histogram' ? base : undefined;
}

function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(smsgw_[a-zA-Z0-9_]+)\b/g)].map((m) => m[1]!))];
}

describe('monitoring/grafana/smsgw.json', () => {
  it('is an importable dashboard: a Prometheus datasource input, unique panel ids, every panel placed and queried', () => {
    expect(dashboard).toMatchObject({ uid: 'smsgw-overview', title: 'smsgw' });
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.w).toBeGreaterThan(0);
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of ['throughput in', 'throughput out', 'delivery ratio', 'accept latency', 'delivery latency', 'queue depths', 'breaker', 'balance burn']) {
      expect(titles).toContain(topic);
    }
    expect(panelExprs.filter((e) => e.expr.includes('histogram_quantile'))).toHaveLength(6);
  });
});

describe('monitoring/alerts.yml and prometheus.yml', () => {
  it('are rule and scrape files with the alerts an operator needs', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    for (const r of alerts) {
      expect(r.alert).toMatch(/^Smsgw[A-Za-z]+$/);
      expect(r.for).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
    }
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['SmsgwCarrierBreakerOpen', 'SmsgwBacklogGrowing', 'SmsgwReceiptRatioDropping', 'SmsgwCarrierErrorRatio', 'SmsgwNoCarrierBound']),
    );
    expect(scrape.rule_files).toEqual(['alerts.yml']);
    expect(scrape.scrape_configs[0]).toMatchObject({ job_name: 'smsgw', metrics_path: '/metrics' });
    expect(scrape.scrape_configs[0]!.static_configs.flatMap((s) => s.targets)).toEqual(['127.0.0.1:8080', '127.0.0.1:8081']);
  });
});

describe('every metric the dashboard and the alerts use', () => {
  it('exists on a real gateway\'s /metrics (histograms through _bucket/_sum/_count)', () => {
    const used = [...panelExprs, ...ruleExprs];
    expect(used.length).toBeGreaterThan(30);
    const missing: string[] = [];
    const names = new Set<string>();
    for (const { where, expr } of used) {
      const found = metricNames(expr);
      expect(found.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of found) {
        names.add(name);
        if (!familyOf(name)) missing.push(`${where}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
    // The DESIGN.md metrics, the process ones and the histograms all appear somewhere.
    for (const name of [
      'smsgw_messages_accepted_total',
      'smsgw_messages_final_total',
      'smsgw_carrier_submits_total',
      'smsgw_carrier_breaker_state',
      'smsgw_queue_jobs',
      'smsgw_accept_latency_seconds_bucket',
      'smsgw_delivery_latency_seconds_bucket',
      'smsgw_smpp_sessions',
      'smsgw_billing_charged_total',
      'smsgw_billing_refunded_total',
      'smsgw_process_cpu_seconds_total',
      'smsgw_process_resident_memory_bytes',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  /** The values a label can take (code tables), for labels the expressions select on. */
  const VOCABULARY: Record<string, readonly string[]> = {
    status: FINAL_STATUSES,
    result: ['accepted', 'permanent', 'transient', 'throttled', 'unknown', 'unavailable'] satisfies SubmitClass[],
    channel: ['http', 'smpp'],
    side: ['server', 'carrier'],
    queue: [...QUEUE_NAMES, 'dlq'],
    state: ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'paused'],
  };

  it('selects only on labels those metrics carry, with label values the gateway emits', () => {
    const problems: string[] = [];
    for (const { where, expr } of [...panelExprs, ...ruleExprs]) {
      for (const m of expr.matchAll(/\b(smsgw_[a-zA-Z0-9_]+)\{([^}]*)\}/g)) {
        const family = familyOf(m[1]!)!;
        const series = samples.filter((s) => familyOf(s.name) === family);
        const labelNames = new Set(series.flatMap((s) => Object.keys(s.labels)));
        for (const l of m[2]!.matchAll(/([a-zA-Z_]+)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)) {
          if (!labelNames.has(l[1]!)) problems.push(`${where}: ${m[1]} has no label ${l[1]}`);
          const known = VOCABULARY[l[1]!];
          const values = l[2] === '=~' || l[2] === '!~' ? l[3]!.split('|') : [l[3]!];
          for (const v of values) if (known && !known.includes(v)) problems.push(`${where}: ${m[1]}{${l[1]}${l[2]}"${l[3]}"}: ${v} is not a value the gateway emits`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
