/** What every benchmark case records, and the small helpers the case modules share. */
import { randomBytes } from 'node:crypto';
import type { CaseName } from './options.js';
import { docker, lastLines, type CliRun } from './processes.js';
import { BENCH_PREFIX } from './resources.js';

export interface CaseFigures {
  case: CaseName;
  title: string;
  runs: number;
  tjs2iMs: number[];
  baselineMs: number[];
  /** Bytes of the source (build cases) or of the base image (builder). */
  referenceBytes: number;
  /** Bytes the output adds (build: image minus builder; builder: the whole image), per run. */
  tjs2iOutputBytes: number[];
  baselineOutputBytes: number[];
  peakRssBytes: number[];
  notes: string[];
}

export function emptyFigures(name: CaseName, title: string, runs: number, referenceBytes: number): CaseFigures {
  return { case: name, title, runs, tjs2iMs: [], baselineMs: [], referenceBytes, tjs2iOutputBytes: [], baselineOutputBytes: [], peakRssBytes: [], notes: [] };
}

export const log = (line: string) => process.stderr.write(`${line}\n`);
export const unique = (what: string) => `${BENCH_PREFIX}${what}-${randomBytes(4).toString('hex')}`;
export const seconds = (ms: number, digits = 1) => `${(ms / 1000).toFixed(digits)} s`;

export async function imageSize(name: string): Promise<number> {
  return Number(await docker('image', 'inspect', '--format', '{{.Size}}', name));
}

export function cliFailed(what: string, result: CliRun): Error {
  return new Error(`${what} exited ${result.code}: ${lastLines(result.stderr)}`);
}
