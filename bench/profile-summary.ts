/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): self time grouped by
 * package (node_modules/<pkg>), by our module (src/<dir>), by Node core
 * (node:<module>) and V8's own entries ((garbage collector), (idle),
 * (program)), plus the top functions, as shares of the busy (not idle)
 * samples; the idle share says how much the process waited.
 *   node --import tsx bench/profile-summary.ts bench/results/profile-…/edge-….cpuprofile
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Share of samples in (idle): the process waited (for sockets, PostgreSQL, Redis). */
  readonly idlePercent: number;
  /** percent: of all samples; busyPercent: of the samples that were not (idle). */
  readonly byGroup: Array<{ readonly group: string; readonly ms: number; readonly percent: number; readonly busyPercent: number }>;
  readonly topFunctions: Array<{ readonly fn: string; readonly group: string; readonly ms: number; readonly percent: number; readonly busyPercent: number }>;
}

export function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:internal/deps/')) return url.split('/').slice(0, 3).join('/');
  if (url.startsWith('node:internal/')) return url.split('/').slice(0, 2).join('/');
  if (url.startsWith('node:')) return url;
  const ours = /\/(src|bench)\/([^/]+)/.exec(url);
  if (ours) return ours[2]!.endsWith('.ts') ? `${ours[1]}/${ours[2]}` : `${ours[1]}/${ours[2]}/`;
  return url;
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const groups = new Map<string, number>();
  const fns = new Map<string, { group: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const group = groupOf(url, functionName);
    total += us;
    groups.set(group, (groups.get(group) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''}`.trim();
    const entry = fns.get(fn) ?? { group, us: 0 };
    entry.us += us;
    fns.set(fn, entry);
  }
  const pct = (us: number): number => +((100 * us) / total).toFixed(1);
  const busy = total - (groups.get('(idle)') ?? 0);
  const busyPct = (us: number): number => +((100 * us) / Math.max(1, busy)).toFixed(1);
  const ms = (us: number): number => Math.round(us / 1000);
  return {
    file,
    totalMs: ms(total),
    idlePercent: pct(groups.get('(idle)') ?? 0),
    byGroup: [...groups]
      .filter(([group]) => group !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, us]) => ({ group, ms: ms(us), percent: pct(us), busyPercent: busyPct(us) })),
    topFunctions: [...fns]
      .filter(([fn]) => fn !== '(idle)')
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, e]) => ({ fn, group: e.group, ms: ms(e.us), percent: pct(e.us), busyPercent: busyPct(e.us) })),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`${s.file.split('/').slice(-2).join('/')}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${s.idlePercent}% idle; % of busy samples:`, '  self time by group:'];
  for (const g of s.byGroup) lines.push(`    ${g.busyPercent.toFixed(1).padStart(5)}%  ${g.group}`);
  lines.push('  top functions (self):');
  for (const f of s.topFunctions) lines.push(`    ${f.busyPercent.toFixed(1).padStart(5)}%  ${f.fn}  [${f.group}]`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  for (const file of process.argv.slice(2)) console.log(formatProfile(summariseProfile(file)));
}
