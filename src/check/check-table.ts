/**
 * The report as a table for a terminal (stdout): a heading naming the image and the UID, one row per
 * check (result, check, what was found), the advice under a row where something is wanting, and the
 * verdict with its counts.
 */
import { shortId } from '../engine/short-id.js';
import { escapeControls } from '../common/message-text.js';
import { CHECK_TITLES, verdictOf, type CheckReport } from './check-report.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Where the image would be run: what the verdict is about. */
export const PLATFORM = 'OpenShift restricted-v2 and Kubernetes restricted, any UID with group 0';

export function verdictLine(report: CheckReport): string {
  const { wouldRun, fails, warnings } = verdictOf(report.checks);
  const counts = [fails ? plural(fails, 'fail') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ');
  return `${wouldRun ? 'would run' : 'would NOT run'} (${PLATFORM})${counts ? `: ${counts}` : ''}`;
}

/**
 * The table. What was found comes from the image (its USER, a crashing command's last line, file
 * names in its layers): control characters are shown escaped, so an image cannot add rows or drive
 * the terminal. --json keeps the raw text, which JSON escapes.
 */
export function renderReport(report: CheckReport): string {
  const header = ['RESULT', 'CHECK', 'FOUND'];
  const rows = report.checks.map((c) => [c.status, CHECK_TITLES[c.id], escapeControls(c.found)]);
  const widths = [0, 1].map((col) => Math.max(header[col]!.length, ...rows.map((r) => r[col]!.length)));
  const indent = ' '.repeat(widths[0]! + widths[1]! + 4);
  const row = (cells: string[]) => `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padEnd(widths[1]!)}  ${cells[2]}`.trimEnd();
  const lines = [`${escapeControls(report.image)} (${shortId(report.imageId)}), started as uid ${report.uid}, group 0`, '', row(header)];
  report.checks.forEach((check, i) => {
    lines.push(row(rows[i]!));
    if (check.advice) lines.push(`${indent}advice: ${escapeControls(check.advice)}`);
  });
  lines.push('', verdictLine(report), '');
  return lines.join('\n');
}
