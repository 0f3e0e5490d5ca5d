/**
 * Fitted growth of a measured series: how build time grows with the quantity a case varies (MB of
 * course, number of files, GB of base image). One median per size says little on its own; the
 * slope says what each extra unit costs. Fit tjs2i's series and the floor's (the engine alone doing
 * the same copy) over the same x values and compare the slopes: where tjs2i's slope exceeds the
 * floor's, tjs2i adds cost per unit beyond the engine's own; a higher intercept with the same slope
 * is a fixed overhead instead. Pure: no engine, no I/O.
 */

/** One measurement: the varied quantity and the time it took (typically a median of runs). */
export interface GrowthPoint {
  x: number;
  ms: number;
}

/** An ordinary least-squares line ms = interceptMs + slopeMsPerUnit · x, its r² and how many points it was fitted to. */
export interface LinearFit {
  slopeMsPerUnit: number;
  interceptMs: number;
  r2: number;
  points: number;
}

/**
 * Ordinary least squares of ms on x. NaN slope, intercept and r² for fewer than two points or when
 * every x is equal (no line is determined); r² is NaN when every ms is equal (nothing to explain).
 * A non-finite ms (a failed case) makes the whole fit NaN rather than silently dropping the point.
 */
export function fitLinear(points: readonly GrowthPoint[]): LinearFit {
  const n = points.length;
  const undetermined: LinearFit = { slopeMsPerUnit: Number.NaN, interceptMs: Number.NaN, r2: Number.NaN, points: n };
  // Compare the x values themselves: their mean can differ from them by a rounding error.
  if (n < 2 || points.every((p) => p.x === points[0]!.x)) return undetermined;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanMs = points.reduce((sum, p) => sum + p.ms, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.x - meanX;
    const dy = p.ms - meanMs;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = meanMs - slope * meanX;
  const ssRes = points.reduce((sum, p) => sum + (p.ms - (intercept + slope * p.x)) ** 2, 0);
  return { slopeMsPerUnit: slope, interceptMs: intercept, r2: syy === 0 ? Number.NaN : 1 - ssRes / syy, points: n };
}

/** A magnitude to three significant figures, without an exponent: "12.3", "0.500", "1230". */
function threeFigures(value: number): string {
  const [mantissa, exponent] = value.toExponential(2).split('e');
  const decimals = Math.min(20, Math.max(0, 2 - Number(exponent)));
  return (Number(mantissa) * 10 ** Number(exponent)).toFixed(decimals);
}

/**
 * The slope of a fit per unit of x: "12.3 ms per MB", or in seconds from 1000 ms on: "1.23 s per
 * GB"; a negative slope with a minus sign ("−0.520 ms per file"); a dash when there is no slope.
 */
export function formatSlope(fit: LinearFit, unit: string): string {
  const ms = fit.slopeMsPerUnit;
  if (!Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '−' : '';
  // Decide on the rounded figure, so 999.6 ms reads "1.00 s", not "1000 ms".
  const inSeconds = Number(Math.abs(ms).toExponential(2)) >= 1000;
  return `${sign}${threeFigures(Math.abs(inSeconds ? ms / 1000 : ms))} ${inSeconds ? 's' : 'ms'} per ${unit}`;
}
