/**
 * What a command costs before any work: `tjs2i version` and a build that finds its image up to date
 * (source and builder unchanged: nothing is built), each against a bare `node -e ''` started the same
 * way, alternately. The goal for the up-to-date build is 0.3 s whatever the machine.
 */
import { cliFailed, emptyFigures, log, unique, type CaseFigures } from './case-figures.js';
import { smallCourse } from './courses.js';
import { median } from './figures.js';
import type { CaseName } from './options.js';
import { lastLines, run, tjs2i, type CliRun } from './processes.js';
import { removeDir, removeImage, track } from './resources.js';

export interface StartUpRun {
  ours: CliRun;
  nodeMs: number;
}

/** One timed run of `args` through bin/tjs2i and one of a bare node; fails when the command does. */
export async function startUpRun(args: readonly string[]): Promise<StartUpRun> {
  const ours = await tjs2i(args);
  if (ours.code !== 0) throw new Error(`tjs2i ${args.join(' ')} exited ${ours.code}: ${ours.stderr.trim().split('\n').pop() ?? ''}`);
  const bare = await run(process.execPath, ['-e', '']);
  return { ours, nodeMs: bare.ms };
}

/** Whether a build's output says it built nothing (the image was up to date). */
export const builtNothing = (stderr: string) => /up to date/i.test(stderr);

/** `args` through bin/tjs2i against a bare node, alternately, after a warm-up of each. */
export async function startUpCase(
  name: CaseName,
  title: string,
  args: readonly string[],
  runs: number,
  expect?: (stderr: string) => boolean,
): Promise<CaseFigures> {
  log(`\n## ${title}: ${runs} runs each after a warm-up`);
  const figures = emptyFigures(name, title, runs, Number.NaN);
  for (let i = 0; i <= runs; i++) {
    const { ours, nodeMs } = await startUpRun(args);
    if (expect && !expect(ours.stderr)) throw new Error(`tjs2i ${args.join(' ')} did not do what the case measures: ${lastLines(ours.stderr)}`);
    if (i === 0) continue;
    figures.tjs2iMs.push(ours.ms);
    figures.baselineMs.push(nodeMs);
    if (ours.maxRss !== undefined) figures.peakRssBytes.push(ours.maxRss);
  }
  log(`   medians: tjs2i ${(median(figures.tjs2iMs) / 1000).toFixed(3)} s, node -e '' ${(median(figures.baselineMs) / 1000).toFixed(3)} s`);
  return figures;
}

/** A build of the 10 MB course that finds its image up to date (made once before, not timed). */
export async function upToDateCase(builder: string, runs: number): Promise<CaseFigures> {
  const course = await smallCourse();
  const tag = unique('up-to-date');
  track.image(tag);
  const first = await tjs2i(['build', course.dir, builder, tag]);
  if (first.code !== 0) throw cliFailed('tjs2i build', first);
  const figures = await startUpCase(
    'up-to-date',
    "build, image up to date: nothing built (vs node -e '')",
    ['build', course.dir, builder, tag],
    runs,
    builtNothing,
  );
  await removeImage(tag);
  await removeDir(course.dir);
  return figures;
}
