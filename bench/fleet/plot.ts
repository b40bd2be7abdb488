import type { ScenarioResult } from './results';
import { mean } from '../support/stats';

/** What the plot shows besides the points. */
export interface PlotLabels {
  /** e.g. `Pushgateway 1.5.1 and vmagent 1.79.5`. */
  readonly server: string;
  /** e.g. `2 cores, 24 GiB, AMD EPYC`. */
  readonly machine: string;
  readonly date: string;
  readonly pushRateSeconds: number;
  /** Cores all three Pushgateways share, when pinned: drawn as the ceiling per pod. */
  readonly sharedCores: number | undefined;
}

const W = 760;
const H = 470;
const M = { left: 78, right: 24, top: 88, bottom: 62 };
const SERIES: {
  readonly of: (s: ScenarioResult) => boolean;
  readonly label: string;
  readonly color: string;
}[] = [
  {
    of: (s) => s.kind === 'steady' && s.consistencyCheck,
    label: 'Pushgateway, check on (default)',
    color: '#c0392b',
  },
  {
    of: (s) => s.kind === 'steady' && !s.consistencyCheck,
    label: 'Pushgateway, check off',
    color: '#2471a3',
  },
  { of: (s) => s.kind === 'vmagent', label: 'vmagent (2 pods)', color: '#1e8449' },
];

/**
 * CPU per cache pod against fleet size: the Pushgateways with the check on and off, and the
 * vmagents, as a self-contained SVG (no plotting library: a few lines, points and ticks).
 */
export function cpuPlot(scenarios: readonly ScenarioResult[], labels: PlotLabels): string {
  const ran = scenarios.filter((s) => !s.error && s.cache.length > 0);
  const series = SERIES.map((def) => ({
    ...def,
    points: ran
      .filter(def.of)
      .map((s) => ({ x: s.pods, y: mean(s.cache.map((c) => c.cpuCores)) }))
      .sort((a, b) => a.x - b.x),
  }));
  const all = series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map((p) => p.x)));
  const ceiling = labels.sharedCores === undefined ? 0 : labels.sharedCores / 3;
  const yMax = niceMax(Math.max(0.01, ceiling * 1.05, ...all.map((p) => p.y)));
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    text(W / 2, 24, `${labels.server}: CPU per cache pod against fleet size`, 'middle', 16, 'bold'),
    text(
      W / 2,
      44,
      `3 Pushgateways or 2 vmagents, each app pod pushes to all of them every ${labels.pushRateSeconds} s; ${labels.machine}; ${labels.date}`,
      'middle',
      11,
    ),
  );
  for (const t of ticks(xMax)) {
    out.push(line(px(t), H - M.bottom, px(t), M.top, '#e5e5e5'));
    out.push(text(px(t), H - M.bottom + 16, String(t), 'middle'));
  }
  for (const t of ticks(yMax)) {
    out.push(line(M.left, py(t), W - M.right, py(t), '#e5e5e5'));
    out.push(text(M.left - 8, py(t) + 4, trim(t), 'end'));
  }
  out.push(line(M.left, H - M.bottom, W - M.right, H - M.bottom, '#333'));
  out.push(line(M.left, H - M.bottom, M.left, M.top, '#333'));
  out.push(text((M.left + W - M.right) / 2, H - 18, 'app pods pushing (N)', 'middle', 13));
  out.push(
    `<text x="18" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${(M.top + H - M.bottom) / 2})">CPU, cores per Pushgateway or vmagent</text>`,
  );
  if (ceiling > 0) {
    out.push(line(M.left, py(ceiling), W - M.right, py(ceiling), '#777', '6 4'));
    out.push(
      text(
        W - M.right - 4,
        py(ceiling) - 6,
        `${trim(ceiling)} core: one core shared by the three Pushgateways`,
        'end',
        11,
      ),
    );
  }
  for (const s of series) {
    if (s.points.length > 1)
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
      );
    for (const p of s.points)
      out.push(
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${s.color}"><title>N=${p.x}: ${p.y.toFixed(3)} cores</title></circle>`,
      );
  }
  // One row between the subtitle and the plot: wherever the lines run, it covers none of them.
  // Each entry as wide as its label (about 6.5 px a character at 12 px) and a gap.
  let x = M.left + 10;
  for (const s of series) {
    const y = 64;
    out.push(line(x, y, x + 24, y, s.color, undefined, 2));
    out.push(`<circle cx="${x + 12}" cy="${y}" r="4" fill="${s.color}"/>`);
    out.push(text(x + 32, y + 4, s.label, 'start'));
    x += 32 + s.label.length * 6.5 + 28;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above `v`. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * 0.9999) return m * p;
  return 10 * p;
}

/** About five round ticks from 0 to `max`. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let i = 0; i <= 20 && i * step <= max * 1.0001; i++)
    out.push(Number((i * step).toPrecision(6)));
  return out;
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  color: string,
  dash?: string,
  width = 1,
): string {
  const d = dash ? ` stroke-dasharray="${dash}"` : '';
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${color}" stroke-width="${width}"${d}/>`;
}

function text(
  x: number,
  y: number,
  content: string,
  anchor: 'start' | 'middle' | 'end',
  size = 12,
  weight = 'normal',
): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="${size}" font-weight="${weight}">${escapeXml(content)}</text>`;
}

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
