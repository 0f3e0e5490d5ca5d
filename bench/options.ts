/** The benchmark's command line: `npm run bench -- [--quick] [--runs N] [--json FILE] [--cases a,b]`. */
import { parseArgs } from 'node:util';

export const CASES = [
  'startup',
  'up-to-date',
  'course-10mb',
  'notebooks-40mb',
  'synthetic-2gb',
  'builder',
  'builder-conda',
  'today-builder',
  'today-build',
  'preview',
  'growth-size',
  'growth-files',
  'growth-base',
] as const;
export type CaseName = (typeof CASES)[number];

export interface BenchOptions {
  /** Skip the 2 GB case and run each builder path once. */
  quick: boolean;
  /** Timed runs per case (a warm-up run is never counted); default 5 small, 9 start-up, 3 for the 2 GB case and builders. */
  runs?: number;
  /** Where to write the raw figures as JSON. */
  json?: string;
  /** A directory to write the growth cases' plots into (SVG). */
  plots?: string;
  cases: CaseName[];
  help: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [options]

  --quick          skip the 2 GB case; builders and growth points once each
  --runs N         timed runs per case or growth point (default 5; 9 start-up; 3 for the 2 GB case,
                   the builders and the build growth points; 1 per base-size point)
  --json FILE      also write the raw figures (every run) to FILE
  --plots DIR      write the growth cases' plots (SVG) into DIR
  --cases LIST     comma-separated subset of: ${CASES.join(', ')}
  --help           this text`;

export class BenchUsageError extends Error {}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        runs: { type: 'string' },
        json: { type: 'string' },
        plots: { type: 'string' },
        cases: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  let runs: number | undefined;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!/^\d+$/.test(values.runs) || runs < 1) throw new BenchUsageError(`--runs must be a positive integer, not ${values.runs}`);
  }
  if (values.json === '') throw new BenchUsageError('--json needs a file name');
  if (values.plots === '') throw new BenchUsageError('--plots needs a directory');
  let cases: CaseName[] = [...CASES];
  if (values.cases !== undefined) {
    const asked = values.cases
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const unknown = asked.filter((name) => !(CASES as readonly string[]).includes(name));
    if (unknown.length > 0 || asked.length === 0) {
      throw new BenchUsageError(`unknown case ${unknown.join(', ') || '(none given)'}: choose from ${CASES.join(', ')}`);
    }
    cases = CASES.filter((name) => asked.includes(name));
  }
  return {
    quick: values.quick ?? false,
    ...(runs !== undefined ? { runs } : {}),
    ...(values.json !== undefined ? { json: values.json } : {}),
    ...(values.plots !== undefined ? { plots: values.plots } : {}),
    cases,
    help: values.help ?? false,
  };
}

/**
 * Timed runs for a case: --runs when given, else 9 for start-up, 5 for small builds and previews, 3
 * for the slow cases and per growth point, 1 per point of the base-size growth (1 builder run and 1
 * per growth point with --quick).
 */
export function runsFor(options: Pick<BenchOptions, 'quick' | 'runs'>, name: CaseName): number {
  if (options.runs !== undefined) return options.runs;
  if (name === 'growth-base') return 1;
  if (name === 'builder' || name === 'builder-conda' || name === 'today-builder' || name === 'growth-size' || name === 'growth-files')
    return options.quick ? 1 : 3;
  if (name === 'startup' || name === 'up-to-date') return 9;
  return name === 'synthetic-2gb' ? 3 : 5;
}
