/**
 * A small SVG line chart, written out by hand so the benchmark can draw its growth figures (time
 * against MB of course, number of files, GB of base image) without a plotting dependency. Pure and
 * deterministic: the same spec gives the same string, so a committed figure changes only when its
 * data does. Non-finite points (a failed run) and, on a log x axis, points with x ≤ 0 are left out.
 */

export interface PlotSeries {
  name: string;
  points: readonly { x: number; y: number }[];
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** A logarithmic x axis, ticked at each x of the data (e.g. 1, 10, 100 MB). */
  logX?: boolean;
  series: readonly PlotSeries[];
}

const WIDTH = 800;
const HEIGHT = 400;
/** The plotting area; the legend sits to its right. */
const AREA = { left: 70, right: 560, top: 45, bottom: 335 };
/** Keeps the markers at the ends of the x range off the y axis. */
const X_INSET = 10;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
/** A coordinate, to one decimal ("-0" reads "0"). */
const coord = (value: number): string => String(Math.round(value * 10) / 10 || 0);
/** A tick label: at most four significant figures, no trailing zeros. */
const label = (value: number): string => String(Number(value.toPrecision(4)) || 0);

/** About five ticks at multiples of a 1-2-5 step, covering [lo, hi]; the first and last bound the axis. */
function niceTicks(lo: number, hi: number): number[] {
  if (hi <= lo) [lo, hi] = [lo - Math.max(1, Math.abs(lo) / 10), hi + Math.max(1, Math.abs(hi) / 10)];
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / magnitude; // the 1-2-5 multiple nearest to it, on a log scale (as d3 does)
  const step = (ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.sqrt(2) ? 2 : 1) * magnitude;
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step))));
  const first = Math.floor(lo / step + 1e-9);
  const count = Math.min(20, Math.ceil(hi / step - 1e-9) - first); // capped: float trouble never loops long
  const ticks: number[] = [];
  for (let k = 0; k <= count; k++) ticks.push(Number(((first + k) * step).toFixed(decimals)));
  return ticks.length >= 2 && ticks.every(Number.isFinite) ? ticks : [lo, hi];
}

/** A standalone 800×400 SVG document (no XML declaration, no trailing newline) charting each series as a line with markers. */
export function svgPlot(spec: PlotSpec): string {
  const logX = spec.logX === true;
  const usable = (p: { x: number; y: number }) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0);
  const series = spec.series.map((s) => ({ name: s.name, points: s.points.filter(usable).sort((a, b) => a.x - b.x) }));
  const all = series.flatMap((s) => s.points);
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);

  // x: log10 of x on a log axis, x itself otherwise; [x0, x1] is the span drawn.
  const tx = (x: number) => (logX ? Math.log10(x) : x);
  let xTicks: number[];
  let x0: number;
  let x1: number;
  if (logX) {
    xTicks = xs;
    [x0, x1] = xs.length > 0 ? [tx(xs[0]!), tx(xs[xs.length - 1]!)] : [0, 1];
    if (x1 <= x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  } else {
    xTicks = xs.length > 0 ? niceTicks(xs[0]!, xs[xs.length - 1]!) : niceTicks(0, 1);
    [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  }
  const yTicks = niceTicks(
    all.reduce((min, p) => Math.min(min, p.y), 0),
    all.reduce((max, p) => Math.max(max, p.y), 0) || 1,
  );
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const px = (x: number) => AREA.left + X_INSET + ((tx(x) - x0) / (x1 - x0)) * (AREA.right - AREA.left - 2 * X_INSET);
  const py = (y: number) => AREA.bottom - ((y - y0) / (y1 - y0)) * (AREA.bottom - AREA.top);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="25" text-anchor="middle" font-size="16">${escapeXml(spec.title)}</text>`,
  ];
  for (const t of yTicks) {
    const y = coord(py(t));
    out.push(`<line x1="${AREA.left}" y1="${y}" x2="${AREA.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${AREA.left - 6}" y="${y}" dy="4" text-anchor="end">${label(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = coord(px(t));
    out.push(`<line x1="${x}" y1="${AREA.bottom}" x2="${x}" y2="${AREA.bottom + 5}" stroke="#000000"/>`);
    out.push(`<text x="${x}" y="${AREA.bottom + 18}" text-anchor="middle">${label(t)}</text>`);
  }
  out.push(`<path d="M${AREA.left} ${AREA.top}V${AREA.bottom}H${AREA.right}" fill="none" stroke="#000000"/>`);
  const middleX = (AREA.left + AREA.right) / 2;
  const middleY = (AREA.top + AREA.bottom) / 2;
  out.push(`<text x="${middleX}" y="${AREA.bottom + 40}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text x="18" y="${middleY}" transform="rotate(-90 18 ${middleY})" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);

  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (s.points.length > 0) {
      const points = s.points.map((p) => `${coord(px(p.x))},${coord(py(p.y))}`);
      out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
      for (const p of s.points) out.push(`<circle cx="${coord(px(p.x))}" cy="${coord(py(p.y))}" r="3" fill="${colour}"/>`);
    }
    const y = AREA.top + 10 + i * 20;
    out.push(`<rect x="${AREA.right + 15}" y="${y - 5}" width="16" height="10" fill="${colour}"/>`);
    out.push(`<text x="${AREA.right + 37}" y="${y}" dy="4">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
