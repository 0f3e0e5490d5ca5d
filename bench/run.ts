/**
 * `npm run bench`: tjs2i's times next to a baseline measured in the same run, as medians and
 * ratios, with output sizes and the CLI's peak memory. Not part of the test suite.
 *
 * - build cases (a 10 MB course, 2,000 notebooks, a 2 GB repository): `tjs2i build <repo> <builder>
 *   <tag>` against the engine's floor through the docker CLI (create, copy the checkout in, commit,
 *   remove), one warm-up run of each not counted, then the two alternately;
 * - builder creation: `tjs2i builder` (default path) against `tjs2i builder --dockerfile`, each run
 *   from a base image of its own, so neither can reuse an earlier build's layers or cache; on the
 *   stand-in (trees about an eighth of the image) and on a conda-heavy variant (trees about 40 %);
 *   and against the floor of any export-based path, `docker save BASE | docker load` (the export
 *   alone in a note);
 * - start-up (start-up.ts): `tjs2i version`, and a build that finds its image up to date, against a
 *   bare `node -e ''`.
 */
import { randomBytes } from 'node:crypto';
import { statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { formatBytes } from '../src/common/log.js';
import { largeCourse, manyNotebooks, smallCourse, type Course } from './courses.js';
import { formatMiB, formatPercent, formatSizeVs, markdownTable, median, type TableRow } from './figures.js';
import { describeMachine, formatMachine, type Machine } from './machine.js';
import { BENCH_USAGE, BenchUsageError, parseBenchArgs, runsFor, type BenchOptions, type CaseName } from './options.js';
import { check, docker, lastLines, pipe, ROOT, run, tjs2i, type CliRun } from './processes.js';
import { BENCH_LABEL, BENCH_PREFIX, cleanupAll, cleanupOnSignals, removeContainer, removeDir, removeImage, track, wasInterrupted } from './resources.js';
import { builtNothing, startUpRun } from './start-up.js';

const FIXTURE = 'tjs2i-fixture/minimal-notebook:latest';
const STACK = 'minimal-notebook';
const DESTINATION = '/home/jovyan/work';
/** Free disk the 2 GB case needs: the clone, the container layer and the committed layer, twice over. */
const LARGE_CASE_FREE_BYTES = 12 * 1024 ** 3;

const log = (line: string) => process.stderr.write(`${line}\n`);
const unique = (what: string) => `${BENCH_PREFIX}${what}-${randomBytes(4).toString('hex')}`;

interface CaseFigures {
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

interface Report {
  date: string;
  machine: Machine;
  options: BenchOptions;
  cases: CaseFigures[];
  skipped: string[];
}

async function imageSize(name: string): Promise<number> {
  return Number(await docker('image', 'inspect', '--format', '{{.Size}}', name));
}

/** A base image of its own: `from` with bench labels (no new layer), so nothing is shared with earlier builds. */
async function labelledBase(from = FIXTURE): Promise<string> {
  const name = unique('base');
  track.image(name);
  await check('docker', ['build', '-q', '--label', BENCH_LABEL, '--label', `io.tjs2i.bench.nonce=${name}`, '-t', name, '-'], {
    input: `FROM ${from}\n`,
  });
  return name;
}

/**
 * The stand-in with its conda tree grown by copies of /usr/lib and /usr/share (about 460 MB more,
 * owned by the notebook user), so that, as in the real stacks, the trees are a large part of the image.
 */
async function condaHeavyBase(): Promise<string> {
  const name = unique('conda-heavy');
  track.image(name);
  const copy = 'cp -a /usr/lib /opt/conda/lib-copy && cp -a /usr/share /opt/conda/share-copy && chown -R 1000:100 /opt/conda/lib-copy /opt/conda/share-copy';
  await check('docker', ['build', '-q', '--label', BENCH_LABEL, '-t', name, '-'], { input: `FROM ${FIXTURE}\nUSER root\nRUN ${copy}\nUSER jovyan\n` });
  return name;
}

function emptyFigures(name: CaseName, title: string, runs: number, referenceBytes: number): CaseFigures {
  return { case: name, title, runs, tjs2iMs: [], baselineMs: [], referenceBytes, tjs2iOutputBytes: [], baselineOutputBytes: [], peakRssBytes: [], notes: [] };
}

/** `args` through bin/tjs2i against a bare node, alternately, after a warm-up of each. */
async function startUpCase(name: CaseName, title: string, args: readonly string[], runs: number, expect?: (stderr: string) => boolean): Promise<CaseFigures> {
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

/** The floor of an export-based builder: the base exported and loaded again (and the export alone), in ms. */
async function saveLoadFloor(base: string): Promise<{ saveLoadMs: number; exportMs: number }> {
  const exportMs = await pipe(['docker', 'save', base], ['sh', '-c', 'cat > /dev/null']);
  const saveLoadMs = await pipe(['docker', 'save', base], ['docker', 'load', '-q']);
  return { saveLoadMs, exportMs };
}

function cliFailed(what: string, result: CliRun): Error {
  return new Error(`${what} exited ${result.code}: ${lastLines(result.stderr)}`);
}

async function makeBuilder(base: string, tag: string, dockerfile: boolean): Promise<CliRun> {
  track.image(tag);
  const result = await tjs2i(['builder', STACK, '--from', base, '--tag', tag, ...(dockerfile ? ['--dockerfile'] : [])]);
  if (result.code !== 0) throw cliFailed(`tjs2i builder${dockerfile ? ' --dockerfile' : ''}`, result);
  return result;
}

/** One `tjs2i build` of the course: time, peak RSS, and the bytes its image adds to the builder. */
async function tjs2iBuild(course: Course, builder: string, builderBytes: number) {
  const tag = unique('out');
  track.image(tag);
  const result = await tjs2i(['build', course.dir, builder, tag]);
  if (result.code !== 0) throw cliFailed('tjs2i build', result);
  const added = (await imageSize(tag)) - builderBytes;
  await removeImage(tag);
  return { ms: result.ms, added, maxRss: result.maxRss };
}

/** The engine's floor through the docker CLI, from the checkout already on disk: create, copy in, commit, remove. */
async function floorBuild(course: Course, builder: string, builderBytes: number) {
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

async function buildCase(name: CaseName, title: string, make: () => Promise<Course>, builder: string, runs: number): Promise<CaseFigures> {
  log(`\n## ${title}: making the repository`);
  const course = await make();
  log(`   ${course.files} files, ${formatBytes(course.bytes)}; ${runs} runs each after a warm-up`);
  const builderBytes = await imageSize(builder);
  const figures: CaseFigures = {
    case: name,
    title,
    runs,
    tjs2iMs: [],
    baselineMs: [],
    referenceBytes: course.bytes,
    tjs2iOutputBytes: [],
    baselineOutputBytes: [],
    peakRssBytes: [],
    notes: [],
  };
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
  await removeDir(course.dir);
  return figures;
}

async function builderCase(name: 'builder' | 'builder-conda', runs: number): Promise<CaseFigures[]> {
  const help = await run(process.execPath, [`${ROOT}bin/tjs2i`, 'builder', '--help']);
  const hasFlag = help.stdout.includes('--dockerfile');
  const title = name === 'builder' ? 'builder image (vs --dockerfile)' : 'builder, conda-heavy base (vs --dockerfile)';
  log(`\n## ${title}: ${runs} runs each, every run from a base image of its own (no cache to reuse)`);
  if (!hasFlag) log('   the CLI has no --dockerfile flag: both sides run today’s `tjs2i builder` (the Dockerfile path)');
  const from = name === 'builder' ? FIXTURE : await condaHeavyBase();
  const baseBytes = await imageSize(from);
  const figures: CaseFigures = {
    case: name,
    title,
    runs,
    tjs2iMs: [],
    baselineMs: [],
    referenceBytes: baseBytes,
    tjs2iOutputBytes: [],
    baselineOutputBytes: [],
    peakRssBytes: [],
    notes: hasFlag ? [] : ['the CLI has no --dockerfile flag yet: both sides ran today’s `tjs2i builder` (the Dockerfile path)'],
  };
  const floorTitle = name === 'builder' ? 'builder image (vs save | load floor)' : 'builder, conda-heavy base (vs save | load floor)';
  const floor = emptyFigures(name, floorTitle, runs, baseBytes);
  const exportMs: number[] = [];
  for (let i = 1; i <= runs; i++) {
    // The order alternates: the second path of a run finds the base's files in the page cache.
    for (const dockerfile of i % 2 === 1 ? [false, true] : [true, false]) {
      const base = await labelledBase(from);
      const tag = unique(dockerfile ? 'builder-dockerfile' : 'builder');
      // The floor on the same base, before tjs2i's run in odd runs and after it in even ones (the
      // second finds the base's files in the page cache).
      const measureFloor = async () => {
        const measured = await saveLoadFloor(base);
        floor.baselineMs.push(measured.saveLoadMs);
        exportMs.push(measured.exportMs);
        log(`   run ${i}/${runs} floor   : ${(measured.saveLoadMs / 1000).toFixed(1)} s (export alone ${(measured.exportMs / 1000).toFixed(1)} s)`);
      };
      if (!dockerfile && i % 2 === 1) await measureFloor();
      const result = await makeBuilder(base, tag, dockerfile && hasFlag);
      if (!dockerfile && i % 2 === 0) await measureFloor();
      if (!dockerfile) floor.tjs2iMs.push(result.ms);
      const size = await imageSize(tag);
      if (/Using cache/.test(result.stderr)) figures.notes.push(`run ${i}${dockerfile ? ' (--dockerfile)' : ''} reused the build cache`);
      await removeImage(tag);
      await removeImage(base);
      log(
        `   run ${i}/${runs} ${dockerfile ? 'baseline' : 'tjs2i   '}: ${(result.ms / 1000).toFixed(1)} s, ${formatBytes(size)} (${formatMiB(result.maxRss)})`,
      );
      (dockerfile ? figures.baselineMs : figures.tjs2iMs).push(result.ms);
      (dockerfile ? figures.baselineOutputBytes : figures.tjs2iOutputBytes).push(size);
      if (!dockerfile && result.maxRss !== undefined) figures.peakRssBytes.push(result.maxRss);
      if (!dockerfile) floor.tjs2iOutputBytes.push(size);
    }
  }
  floor.peakRssBytes = [...figures.peakRssBytes];
  floor.notes.push(`the export alone (docker save > /dev/null) took ${formatDurationMs(median(exportMs))} (median)`);
  return [figures, floor];
}

const formatDurationMs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A build of the 10 MB course that finds its image up to date (made once before, not timed). */
async function upToDateCase(builder: string, runs: number): Promise<CaseFigures> {
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

function rowOf(figures: CaseFigures): TableRow {
  const peak = figures.peakRssBytes.length > 0 ? Math.max(...figures.peakRssBytes) : undefined;
  const ours = median(figures.tjs2iOutputBytes);
  let size: string;
  if ((figures.case === 'builder' || figures.case === 'builder-conda') && figures.baselineOutputBytes.length > 0) {
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

  const report: Report = { date: new Date().toISOString(), machine, options, cases: [], skipped: [] };
  try {
    if (options.cases.includes('startup'))
      report.cases.push(await startUpCase('startup', "start-up: tjs2i version (vs node -e '')", ['version'], runsFor(options, 'startup')));
    for (const name of ['builder', 'builder-conda'] as const)
      if (options.cases.includes(name)) report.cases.push(...(await builderCase(name, runsFor(options, name))));

    const builds: [CaseName, string, () => Promise<Course>][] = [
      ['course-10mb', '10 MB course', smallCourse],
      ['notebooks-40mb', '40 MB, 2,000 notebooks', manyNotebooks],
      ['synthetic-2gb', '2 GB (2 GiB file + 10,000 files)', largeCourse],
    ];
    const wanted = builds.filter(([name]) => options.cases.includes(name));
    if (wanted.length > 0 || options.cases.includes('up-to-date')) {
      log('\n## the builder the build cases use (not timed)');
      const base = await labelledBase();
      const builder = unique('builder');
      await makeBuilder(base, builder, false);
      if (options.cases.includes('up-to-date')) report.cases.push(await upToDateCase(builder, runsFor(options, 'up-to-date')));
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
    }
  } finally {
    if (!wasInterrupted()) await cleanupAll();
  }

  const lines = [
    markdownTable(report.cases.map(rowOf)),
    '',
    `Measured on: ${formatMachine(machine)}.`,
    ...report.cases.flatMap((c) => c.notes.map((note) => `Note (${c.title}): ${note}.`)),
    ...report.skipped.map((line) => `Skipped: ${line}.`),
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
