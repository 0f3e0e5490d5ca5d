/**
 * `npm run bench`: tjs2i's times next to a floor or baseline measured in the same run, as medians and
 * ratios, with output sizes and the CLI's peak memory. Not part of the test suite.
 *
 * - build cases (build-case.ts): a 10 MB course, 2,000 notebooks, a 2 GB repository, and the 10 MB
 *   course on a builder from today's stack, against the engine's floor through the docker CLI;
 * - builder creation (builder-case.ts) on the 2016 stand-in, a conda-heavy variant and today's stand-in,
 *   against `--dockerfile` and against `docker save | docker load` of the base;
 * - start-up (start-up.ts): `tjs2i version`, and a build that finds its image up to date, against a
 *   bare `node -e ''`;
 * - preview (preview-case.ts): the example course until its URL answers, against `docker run` of the
 *   same image until `/api` answers;
 * - growth (growth-cases.ts): course size, number of files and base image size, each point next to
 *   its floor, with fitted slopes and, with --plots, an SVG plot per series.
 */
import { mkdir, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../src/common/log.js';
import { builderCase, FIXTURE, labelledBase, makeBuilder, TODAY_FIXTURE } from './builder-case.js';
import { buildCase } from './build-case.js';
import { log, unique, type CaseFigures } from './case-figures.js';
import { largeCourse, manyNotebooks, smallCourse, type Course } from './courses.js';
import { formatPercent, formatSizeVs, markdownTable, median, type TableRow } from './figures.js';
import { baseSizeGrowth, courseSizeGrowth, fileCountGrowth, type GrowthResult, type GrowthSeries } from './growth-cases.js';
import { formatSlope } from './growth.js';
import { describeMachine, formatMachine, type Machine } from './machine.js';
import { BENCH_USAGE, BenchUsageError, parseBenchArgs, runsFor, type BenchOptions, type CaseName } from './options.js';
import { previewCase } from './preview-case.js';
import { check, ROOT, run } from './processes.js';
import { cleanupAll, cleanupOnSignals, wasInterrupted } from './resources.js';
import { startUpCase, upToDateCase } from './start-up.js';
import { svgPlot } from './svg-plot.js';

/** Free disk the 2 GB case needs: the clone, the container layer and the committed layer, twice over. */
const LARGE_CASE_FREE_BYTES = 12 * 1024 ** 3;

interface Report {
  date: string;
  machine: Machine;
  options: BenchOptions;
  cases: CaseFigures[];
  growth: GrowthSeries[];
  skipped: string[];
}

const isBuilderCase = (name: CaseName) => name === 'builder' || name === 'builder-conda' || name === 'today-builder';

function rowOf(figures: CaseFigures): TableRow {
  const peak = figures.peakRssBytes.length > 0 ? Math.max(...figures.peakRssBytes) : undefined;
  const ours = median(figures.tjs2iOutputBytes);
  let size: string;
  if (isBuilderCase(figures.case) && figures.baselineOutputBytes.length > 0) {
    const theirs = median(figures.baselineOutputBytes);
    size = `${formatSizeVs(ours, figures.referenceBytes)} base; --dockerfile ${formatBytes(theirs)} (${formatPercent(theirs, figures.referenceBytes)})`;
  } else {
    size = formatSizeVs(ours, figures.referenceBytes);
  }
  return {
    case: figures.title,
    tjs2iMs: median(figures.tjs2iMs),
    baselineMs: median(figures.baselineMs),
    size,
    ...(peak !== undefined ? { peakRssBytes: peak } : {}),
  };
}

async function freeBytes(): Promise<number> {
  const root = await run('docker', ['info', '--format', '{{.DockerRootDir}}']);
  const paths = [tmpdir(), ...(root.code === 0 ? [root.stdout.trim()] : [])];
  const free = await Promise.all(
    paths.map(async (path) =>
      statfs(path).then(
        (s) => s.bavail * s.bsize,
        () => Number.POSITIVE_INFINITY,
      ),
    ),
  );
  return Math.min(...free);
}

/** The fitted growth of a series, one line: "course size (100 files): tjs2i 12.3 ms per MB, floor 10.1 ms per MB". */
function growthLine(series: GrowthSeries): string {
  const points = series.points.length;
  return `Growth (${series.title}, ${points} points): tjs2i ${formatSlope(series.tjs2iFit, series.unit)}, ${series.floorName} ${formatSlope(series.floorFit, series.unit)}`;
}

async function writePlot(dir: string, series: GrowthSeries): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${series.case}.svg`);
  const svg = svgPlot({
    title: `tjs2i vs the floor: ${series.title}`,
    xLabel: series.xLabel,
    yLabel: 'median time (s)',
    logX: series.case !== 'growth-base',
    series: [
      { name: 'tjs2i', points: series.points.map((p) => ({ x: p.x, y: p.tjs2iMs / 1000 })) },
      { name: series.floorName, points: series.points.map((p) => ({ x: p.x, y: p.floorMs / 1000 })) },
    ],
  });
  await writeFile(file, svg);
  return file;
}

async function main(argv: string[]): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    log(`error: ${error.message}\n\n${BENCH_USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(BENCH_USAGE);
    return;
  }
  cleanupOnSignals(log);
  log('## preparing: engine and fixture images (test/prepare.sh)');
  await check('bash', [`${ROOT}test/prepare.sh`], { env: { ...process.env, TJS2I_REQUIRE_DOCKER: '1' } });
  const machine = await describeMachine();
  log(`   ${formatMachine(machine)}`);

  const report: Report = { date: new Date().toISOString(), machine, options, cases: [], growth: [], skipped: [] };
  const wants = (name: CaseName) => options.cases.includes(name);
  const addGrowth = (result: GrowthResult) => {
    report.cases.push(...result.rows);
    report.growth.push(result.series);
    report.skipped.push(...result.series.skipped.map((line) => `${result.series.title}, ${line}`));
  };
  try {
    if (wants('startup')) report.cases.push(await startUpCase('startup', "start-up: tjs2i version (vs node -e '')", ['version'], runsFor(options, 'startup')));
    for (const name of ['builder', 'builder-conda', 'today-builder'] as const)
      if (wants(name)) report.cases.push(...(await builderCase(name, runsFor(options, name))));

    const builds: [CaseName, string, () => Promise<Course>][] = [
      ['course-10mb', '10 MB course', smallCourse],
      ['notebooks-40mb', '40 MB, 2,000 notebooks', manyNotebooks],
      ['synthetic-2gb', '2 GB (2 GiB file + 10,000 files)', largeCourse],
    ];
    const wanted = builds.filter(([name]) => wants(name));
    if (wanted.length > 0 || wants('up-to-date') || wants('growth-size') || wants('growth-files')) {
      log('\n## the builder the build cases use (not timed)');
      const builder = unique('builder');
      await makeBuilder(await labelledBase(FIXTURE), builder, false);
      if (wants('up-to-date')) report.cases.push(await upToDateCase(builder, runsFor(options, 'up-to-date')));
      for (const [name, title, make] of wanted) {
        if (name === 'synthetic-2gb') {
          const free = await freeBytes();
          const why = options.quick ? '--quick' : free < LARGE_CASE_FREE_BYTES ? `only ${formatBytes(free)} free, it needs 12 GiB` : undefined;
          if (why) {
            report.skipped.push(`${title}: skipped (${why})`);
            log(`\n## ${title}: skipped (${why})`);
            continue;
          }
        }
        report.cases.push(await buildCase(name, title, make, builder, runsFor(options, name)));
      }
      if (wants('growth-size')) addGrowth(await courseSizeGrowth(builder, runsFor(options, 'growth-size'), freeBytes));
      if (wants('growth-files')) addGrowth(await fileCountGrowth(builder, runsFor(options, 'growth-files'), freeBytes));
    }
    if (wants('today-build') || wants('preview')) {
      log('\n## the builder from today’s stack (not timed)');
      const builder = unique('builder-today');
      await makeBuilder(await labelledBase(TODAY_FIXTURE), builder, false);
      if (wants('today-build'))
        report.cases.push(await buildCase('today-build', '10 MB course, today’s stack', smallCourse, builder, runsFor(options, 'today-build')));
      if (wants('preview')) report.cases.push(await previewCase(builder, runsFor(options, 'preview')));
    }
    if (wants('growth-base')) addGrowth(await baseSizeGrowth(runsFor(options, 'growth-base'), freeBytes));
  } finally {
    if (!wasInterrupted()) await cleanupAll();
  }

  const plots: string[] = [];
  if (options.plots) for (const series of report.growth) if (series.points.length > 0) plots.push(await writePlot(options.plots, series));
  const lines = [
    markdownTable(report.cases.map(rowOf)),
    '',
    `Measured on: ${formatMachine(machine)}.`,
    ...report.growth.map((series) => `${growthLine(series)}.`),
    ...report.cases.flatMap((c) => c.notes.map((note) => `Note (${c.title}): ${note}.`)),
    ...report.skipped.map((line) => `Skipped: ${line}.`),
    ...plots.map((file) => `Plot: ${file}`),
  ];
  console.log(`\n${lines.join('\n')}`);
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`raw figures written to ${options.json}`);
  }
}

main(process.argv.slice(2)).catch(async (error: unknown) => {
  if (wasInterrupted()) return;
  log(`bench failed: ${(error as Error).message}`);
  await cleanupAll().catch(() => undefined);
  process.exit(1);
});
