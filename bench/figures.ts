/** Pure helpers of the benchmark: medians, ratios and the Markdown table it prints. */
import { formatBytes } from '../src/common/log.js';

/** The median of some figures (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A duration in milliseconds as seconds: "0.62 s", "97.4 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const seconds = ms / 1000;
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}

/** How many times the baseline's time tjs2i takes: "1.35×"; a dash when either is missing. */
export function formatRatio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline <= 0) return '–';
  return `${(value / baseline).toFixed(2)}×`;
}

/** How much bigger a size is than a reference, in percent: "+0.9 %", "−1.0 %". */
export function formatPercent(size: number, reference: number): string {
  if (!Number.isFinite(size) || !Number.isFinite(reference) || reference <= 0) return '–';
  const percent = ((size - reference) / reference) * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)} %`;
}

/** A size next to a reference size, with the difference in percent: "10.6 MB vs 10.5 MB (+0.9 %)". */
export function formatSizeVs(size: number | undefined, reference: number | undefined): string {
  if (size === undefined || reference === undefined || !Number.isFinite(size)) return '–';
  if (reference <= 0) return `${formatBytes(size)} vs ${formatBytes(reference)}`;
  return `${formatBytes(size)} vs ${formatBytes(reference)} (${formatPercent(size, reference)})`;
}

/** Peak memory in MiB ("87 MiB"), the unit the memory target is given in. */
export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? '–' : `${Math.round(bytes / (1024 * 1024))} MiB`;
}

export interface TableRow {
  case: string;
  tjs2iMs: number;
  baselineMs: number;
  /** Already formatted ("output vs source"), as it differs between build and builder cases. */
  size: string;
  peakRssBytes?: number;
}

export const TABLE_HEADER = ['case', 'tjs2i median', 'baseline median', 'ratio', 'output size vs source', 'peak RSS'] as const;

/** The results as a Markdown table, columns padded so it also reads as plain text. */
export function markdownTable(rows: readonly TableRow[]): string {
  const cells = rows.map((row) => [
    row.case,
    formatDuration(row.tjs2iMs),
    formatDuration(row.baselineMs),
    formatRatio(row.tjs2iMs, row.baselineMs),
    row.size,
    formatMiB(row.peakRssBytes),
  ]);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const all = [[...TABLE_HEADER], ...cells].map((line) => line.map(escape));
  const widths = TABLE_HEADER.map((_, column) => Math.max(3, ...all.map((line) => line[column].length)));
  const format = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [format(all[0]), rule, ...all.slice(1).map(format)].join('\n');
}
