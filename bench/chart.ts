/**
 * A hand-written SVG line chart of throughput over time: accepted/s (solid)
 * and completed/s (dashed) per second for each channel, on one time axis
 * (seconds since the first channel began), so the channels' runs sit side by side.
 */
import type { PerSecond } from './recorder';

const WIDTH = 960;
const HEIGHT = 420;
const PAD = { left: 70, right: 20, top: 40, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return step;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function throughputSvg(title: string, series: readonly PerSecond[]): string {
  const end = Math.max(1, ...series.map((s) => s.startSecond + s.accepted.length));
  const start = Math.min(...series.map((s) => s.startSecond));
  const peak = Math.max(1, ...series.flatMap((s) => [...s.accepted, ...s.completed]));
  const yStep = niceStep(peak, 6);
  const yMax = Math.ceil(peak / yStep) * yStep;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (second: number): number => PAD.left + ((second - start) / Math.max(1, end - start)) * plotW;
  const y = (rate: number): number => PAD.top + plotH - (rate / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  for (let v = 0; v <= yMax; v += yStep) {
    out.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  const xStep = niceStep(end - start, 10);
  for (let s = 0; s <= end - start; s += xStep) {
    out.push(`<line x1="${x(start + s)}" x2="${x(start + s)}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${x(start + s)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${s}</text>`);
  }
  out.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">seconds since the first channel began</text>`);
  out.push(`<text x="16" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${PAD.top + plotH / 2})">messages per second</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const line = (values: number[], dash: string): void => {
      // Each count belongs to the middle of its second.
      const points = values.map((v, k) => `${x(s.startSecond + k + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5"${dash} points="${points}"/>`);
    };
    line(s.accepted, '');
    line(s.completed, ' stroke-dasharray="5,3"');
    const ly = PAD.top + 14 + i * 32;
    out.push(`<line x1="${WIDTH - 230}" x2="${WIDTH - 205}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${WIDTH - 200}" y="${ly + 4}">${escape(s.channel)} accepted/s</text>`);
    out.push(`<line x1="${WIDTH - 230}" x2="${WIDTH - 205}" y1="${ly + 14}" y2="${ly + 14}" stroke="${colour}" stroke-width="2" stroke-dasharray="5,3"/>`);
    out.push(`<text x="${WIDTH - 200}" y="${ly + 18}">${escape(s.channel)} completed/s</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
