/**
 * Build cases: `tjs2i build <repo> <builder> <tag>` against the engine's floor through the docker CLI
 * (create, copy the checkout in, commit, remove), one warm-up run of each not counted, then the two
 * alternately.
 */
import { formatBytes } from '../src/common/log.js';
import { cliFailed, emptyFigures, imageSize, log, unique, type CaseFigures } from './case-figures.js';
import type { Course } from './courses.js';
import { formatMiB } from './figures.js';
import type { CaseName } from './options.js';
import { docker, pipe, tjs2i } from './processes.js';
import { BENCH_LABEL, removeContainer, removeDir, removeImage, track } from './resources.js';

const DESTINATION = '/home/jovyan/work';

export interface BuildRun {
  ms: number;
  /** Bytes the image adds to the builder. */
  added: number;
  maxRss?: number;
}

/** One `tjs2i build` of the course: time, peak RSS, and the bytes its image adds to the builder. */
export async function tjs2iBuild(course: Course, builder: string, builderBytes: number): Promise<BuildRun> {
  const tag = unique('out');
  track.image(tag);
  const result = await tjs2i(['build', course.dir, builder, tag]);
  if (result.code !== 0) throw cliFailed('tjs2i build', result);
  const added = (await imageSize(tag)) - builderBytes;
  await removeImage(tag);
  return { ms: result.ms, added, ...(result.maxRss !== undefined ? { maxRss: result.maxRss } : {}) };
}

/** The engine's floor through the docker CLI, from the checkout already on disk: create, copy in, commit, remove. */
export async function floorBuild(course: Course, builder: string, builderBytes: number): Promise<BuildRun> {
  const container = unique('floor');
  const tag = unique('floor-out');
  track.container(container);
  track.image(tag);
  const started = process.hrtime.bigint();
  await docker('create', '--label', BENCH_LABEL, '--name', container, builder);
  await pipe(
    ['tar', '-C', course.dir, '--exclude=./.git', '--owner=1000', '--group=0', '--numeric-owner', '-cf', '-', '.'],
    ['docker', 'cp', '-', `${container}:${DESTINATION}`],
  );
  await docker('commit', container, tag);
  await docker('rm', container);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await removeContainer(container);
  const added = (await imageSize(tag)) - builderBytes;
  await removeImage(tag);
  return { ms, added };
}

/** `runs` alternate builds of a course already made (after one warm-up of each), into `figures`. */
export async function measureBuilds(course: Course, builder: string, runs: number, figures: CaseFigures): Promise<void> {
  const builderBytes = await imageSize(builder);
  for (let i = 0; i <= runs; i++) {
    const ours = await tjs2iBuild(course, builder, builderBytes);
    const floor = await floorBuild(course, builder, builderBytes);
    const label = i === 0 ? 'warm-up' : `run ${i}/${runs}`;
    log(
      `   ${label}: tjs2i ${(ours.ms / 1000).toFixed(2)} s (${formatMiB(ours.maxRss)}, +${formatBytes(ours.added)}), floor ${(floor.ms / 1000).toFixed(2)} s (+${formatBytes(floor.added)})`,
    );
    if (i === 0) continue;
    figures.tjs2iMs.push(ours.ms);
    figures.baselineMs.push(floor.ms);
    figures.tjs2iOutputBytes.push(ours.added);
    figures.baselineOutputBytes.push(floor.added);
    if (ours.maxRss !== undefined) figures.peakRssBytes.push(ours.maxRss);
  }
}

export async function buildCase(name: CaseName, title: string, make: () => Promise<Course>, builder: string, runs: number): Promise<CaseFigures> {
  log(`\n## ${title}: making the repository`);
  const course = await make();
  log(`   ${course.files} files, ${formatBytes(course.bytes)}; ${runs} runs each after a warm-up`);
  const figures = emptyFigures(name, title, runs, course.bytes);
  await measureBuilds(course, builder, runs, figures);
  await removeDir(course.dir);
  return figures;
}
