/**
 * How cost grows: cases that vary one thing and keep the rest, each point next to its floor — the
 * course's size (1 to 1,000 MB in 100 files), its number of files (10 to 10,000 files, 10 MB), and the
 * base image's size for the builder (1, 2, 4 GB, the layer rewrite against `docker save | docker load`).
 * Each series gets a least-squares slope (ms per MB, per file, per GB) for tjs2i and for the floor, so
 * the reader sees where tjs2i's cost departs from the engine's own.
 */
import { formatBytes } from '../src/common/log.js';
import { emptyFigures, imageSize, log, seconds, unique, type CaseFigures } from './case-figures.js';
import { baseOfSize, makeBuilder, saveLoadFloor } from './builder-case.js';
import { measureBuilds } from './build-case.js';
import { uniformCourse } from './courses.js';
import { median } from './figures.js';
import { fitLinear, type LinearFit } from './growth.js';
import type { CaseName } from './options.js';
import { removeDir, removeImage } from './resources.js';

export type GrowthCaseName = Extract<CaseName, 'growth-size' | 'growth-files' | 'growth-base'>;

export interface GrowthPointFigures {
  x: number;
  tjs2iMs: number;
  floorMs: number;
  peakRssBytes?: number;
}

export interface GrowthSeries {
  case: GrowthCaseName;
  title: string;
  xLabel: string;
  /** The unit of x in a slope: "MB", "file", "GB". */
  unit: string;
  floorName: string;
  points: GrowthPointFigures[];
  skipped: string[];
  tjs2iFit: LinearFit;
  floorFit: LinearFit;
}

export interface GrowthResult {
  rows: CaseFigures[];
  series: GrowthSeries;
}

const GiB = 1024 ** 3;

/** Free bytes where images and temporary files go (the smallest of the two). */
export type FreeBytes = () => Promise<number>;

function pointOf(x: number, figures: CaseFigures): GrowthPointFigures {
  const peak = figures.peakRssBytes.length > 0 ? Math.max(...figures.peakRssBytes) : undefined;
  return { x, tjs2iMs: median(figures.tjs2iMs), floorMs: median(figures.baselineMs), ...(peak !== undefined ? { peakRssBytes: peak } : {}) };
}

function finish(series: Omit<GrowthSeries, 'tjs2iFit' | 'floorFit'>): GrowthSeries {
  const fit = (pick: (p: GrowthPointFigures) => number) => fitLinear(series.points.map((p) => ({ x: p.x, ms: pick(p) })));
  return { ...series, tjs2iFit: fit((p) => p.tjs2iMs), floorFit: fit((p) => p.floorMs) };
}

function skip(series: { skipped: string[] }, what: string, why: string): void {
  series.skipped.push(`${what}: skipped (${why})`);
  log(`   ${what}: skipped (${why})`);
}

/** A build growth case: one course per point, built by tjs2i and by the floor alternately. */
async function buildGrowth(
  name: 'growth-size' | 'growth-files',
  builder: string,
  runs: number,
  free: FreeBytes,
  points: { x: number; bytes: number; files: number }[],
): Promise<GrowthResult> {
  const bySize = name === 'growth-size';
  const title = bySize ? 'course size (100 files)' : 'number of files (10 MB)';
  log(`\n## growth: ${title}, ${runs} runs each per point after a warm-up`);
  const rows: CaseFigures[] = [];
  const series = {
    case: name,
    title,
    xLabel: bySize ? 'course size (MB)' : 'files in the course',
    unit: bySize ? 'MB' : 'file',
    floorName: 'docker create + cp + commit',
    points: [] as GrowthPointFigures[],
    skipped: [] as string[],
  };
  for (const point of points) {
    const what = bySize ? `${point.x} MB` : `${point.x} files`;
    // The work tree, its objects, the floor's and tjs2i's layers, with room to spare.
    const needs = 6 * point.bytes + 2 * GiB;
    const available = await free();
    if (available < needs) {
      skip(series, what, `only ${formatBytes(available)} free, it needs ${formatBytes(needs)}`);
      continue;
    }
    const course = await uniformCourse(point.bytes, point.files);
    log(`   ${what}: ${course.files} files, ${formatBytes(course.bytes)}`);
    const figures = emptyFigures(name, `growth: ${bySize ? `course of ${point.x} MB (100 files)` : `${point.x} files (10 MB)`}`, runs, course.bytes);
    await measureBuilds(course, builder, runs, figures);
    await removeDir(course.dir);
    rows.push(figures);
    series.points.push(pointOf(point.x, figures));
  }
  return { rows, series: finish(series) };
}

export function courseSizeGrowth(builder: string, runs: number, free: FreeBytes): Promise<GrowthResult> {
  return buildGrowth(
    'growth-size',
    builder,
    runs,
    free,
    [1, 10, 100, 1000].map((mb) => ({ x: mb, bytes: mb * 1e6, files: 100 })),
  );
}

export function fileCountGrowth(builder: string, runs: number, free: FreeBytes): Promise<GrowthResult> {
  return buildGrowth(
    'growth-files',
    builder,
    runs,
    free,
    [10, 100, 1000, 10000].map((files) => ({ x: files, bytes: 10e6, files })),
  );
}

/** The builder from bases of 1, 2 and 4 GB (the stand-in grown in its conda tree) against save | load of the same base. */
export async function baseSizeGrowth(runs: number, free: FreeBytes): Promise<GrowthResult> {
  const title = 'base image size (builder)';
  log(`\n## growth: ${title}, ${runs} runs each per point`);
  const rows: CaseFigures[] = [];
  const series = {
    case: 'growth-base' as const,
    title,
    xLabel: 'base image size (GB)',
    unit: 'GB',
    floorName: 'docker save | docker load',
    points: [] as GrowthPointFigures[],
    skipped: [] as string[],
  };
  for (const [point, gb] of [1, 2, 4].entries()) {
    // The base, the builder, and the engine's temporary copies of the export and the load.
    const needs = 5 * gb * 1e9 + 2 * GiB;
    const available = await free();
    if (available < needs) {
      skip(series, `${gb} GB`, `only ${formatBytes(available)} free, it needs ${formatBytes(needs)}`);
      continue;
    }
    const base = await baseOfSize(gb * 1e9);
    const baseBytes = await imageSize(base);
    const figures = emptyFigures('growth-base', `growth: builder from a ${formatBytes(baseBytes)} base (vs save | load)`, runs, baseBytes);
    for (let i = 1; i <= runs; i++) {
      // The order alternates (the second finds the base's files in the page cache), as in builder-case.ts.
      const tag = unique('builder-grown');
      const floorFirst = (i + point) % 2 === 1;
      const early = floorFirst ? await saveLoadFloor(base) : undefined;
      const ours = await makeBuilder(base, tag, false);
      const floor = early ?? (await saveLoadFloor(base));
      const size = await imageSize(tag);
      await removeImage(tag);
      log(
        `   ${formatBytes(baseBytes)} run ${i}/${runs}: tjs2i ${seconds(ours.ms)}, save | load ${seconds(floor.saveLoadMs)} (export alone ${seconds(floor.exportMs)})`,
      );
      figures.tjs2iMs.push(ours.ms);
      figures.baselineMs.push(floor.saveLoadMs);
      figures.tjs2iOutputBytes.push(size);
      if (ours.maxRss !== undefined) figures.peakRssBytes.push(ours.maxRss);
    }
    await removeImage(base);
    rows.push(figures);
    series.points.push(pointOf(baseBytes / 1e9, figures));
  }
  return { rows, series: finish(series) };
}
