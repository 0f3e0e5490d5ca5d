/**
 * Builder creation: `tjs2i builder` (the layer rewrite) against `tjs2i builder --dockerfile`, each run
 * from a base image of its own so neither can reuse an earlier build's layers or cache, and against
 * the floor of any export-based path, `docker save BASE | docker load` (the export alone in a note).
 */
import { formatBytes } from '../src/common/log.js';
import { cliFailed, emptyFigures, imageSize, log, seconds, unique, type CaseFigures } from './case-figures.js';
import { formatMiB, median } from './figures.js';
import type { CaseName } from './options.js';
import { check, pipe, ROOT, run, tjs2i, type CliRun } from './processes.js';
import { BENCH_LABEL, removeImage, track } from './resources.js';

export const FIXTURE = 'tjs2i-fixture/minimal-notebook:latest';
export const TODAY_FIXTURE = 'tjs2i-fixture-today/minimal-notebook:latest';
const STACK = 'minimal-notebook';

/** A base image of its own: `from` with bench labels (no new layer), so nothing is shared with earlier builds. */
export async function labelledBase(from = FIXTURE): Promise<string> {
  const name = unique('base');
  track.image(name);
  await check('docker', ['build', '-q', '--label', BENCH_LABEL, '--label', `io.tjs2i.bench.nonce=${name}`, '-t', name, '-'], {
    input: `FROM ${from}\n`,
  });
  return name;
}

/** `from` with a layer of `extraBytes` more in the conda tree (64 MiB files owned by the notebook user). */
async function grownBase(from: string, extraBytes: number, what: string): Promise<string> {
  const name = unique(what);
  track.image(name);
  const blocks = Math.max(1, Math.round(extraBytes / (64 * 1024 ** 2)));
  const fill = `mkdir -p /opt/conda/bench-data && for i in $(seq ${blocks}); do head -c 64M /dev/urandom > /opt/conda/bench-data/blob-$i; done && chown -R 1000:100 /opt/conda/bench-data`;
  await check('docker', ['build', '-q', '--label', BENCH_LABEL, '-t', name, '-'], { input: `FROM ${from}\nUSER root\nRUN ${fill}\nUSER 1000\n` });
  return name;
}

/** The stand-in grown to about `totalBytes` by data in the conda tree (the base-size growth case). */
export async function baseOfSize(totalBytes: number): Promise<string> {
  const extra = totalBytes - (await imageSize(FIXTURE));
  return extra <= 0 ? labelledBase() : grownBase(FIXTURE, extra, 'base-grown');
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

/** The floor of an export-based builder: the base exported and loaded again (and the export alone), in ms. */
export async function saveLoadFloor(base: string): Promise<{ saveLoadMs: number; exportMs: number }> {
  const exportMs = await pipe(['docker', 'save', base], ['sh', '-c', 'cat > /dev/null']);
  const saveLoadMs = await pipe(['docker', 'save', base], ['docker', 'load', '-q']);
  return { saveLoadMs, exportMs };
}

export async function makeBuilder(base: string, tag: string, dockerfile: boolean): Promise<CliRun> {
  track.image(tag);
  const result = await tjs2i(['builder', STACK, '--from', base, '--tag', tag, ...(dockerfile ? ['--dockerfile'] : [])]);
  if (result.code !== 0) throw cliFailed(`tjs2i builder${dockerfile ? ' --dockerfile' : ''}`, result);
  return result;
}

type BuilderCaseName = Extract<CaseName, 'builder' | 'builder-conda' | 'today-builder'>;

const TITLES: Record<BuilderCaseName, string> = {
  builder: 'builder image',
  'builder-conda': 'builder, conda-heavy base',
  'today-builder': 'builder, today’s stack',
};

const baseOf = (name: BuilderCaseName) =>
  name === 'builder' ? Promise.resolve(FIXTURE) : name === 'today-builder' ? Promise.resolve(TODAY_FIXTURE) : condaHeavyBase();

export async function builderCase(name: BuilderCaseName, runs: number): Promise<CaseFigures[]> {
  const help = await run(process.execPath, [`${ROOT}bin/tjs2i`, 'builder', '--help']);
  const hasFlag = help.stdout.includes('--dockerfile');
  const title = `${TITLES[name]} (vs --dockerfile)`;
  log(`\n## ${title}: ${runs} runs each, every run from a base image of its own (no cache to reuse)`);
  if (!hasFlag) log('   the CLI has no --dockerfile flag: both sides run today’s `tjs2i builder` (the Dockerfile path)');
  const from = await baseOf(name);
  const baseBytes = await imageSize(from);
  const figures = emptyFigures(name, title, runs, baseBytes);
  if (!hasFlag) figures.notes.push('the CLI has no --dockerfile flag yet: both sides ran today’s `tjs2i builder` (the Dockerfile path)');
  const floor = emptyFigures(name, `${TITLES[name]} (vs save | load floor)`, runs, baseBytes);
  const exportMs: number[] = [];
  for (let i = 1; i <= runs; i++) {
    // The order alternates: the second path of a run finds the base's files in the page cache.
    for (const dockerfile of i % 2 === 1 ? [false, true] : [true, false]) {
      const base = await labelledBase(from);
      const tag = unique(dockerfile ? 'builder-dockerfile' : 'builder');
      // The floor on the same base, before tjs2i's run in odd runs and after it in even ones.
      const measureFloor = async () => {
        const measured = await saveLoadFloor(base);
        floor.baselineMs.push(measured.saveLoadMs);
        exportMs.push(measured.exportMs);
        log(`   run ${i}/${runs} floor   : ${seconds(measured.saveLoadMs)} (export alone ${seconds(measured.exportMs)})`);
      };
      if (!dockerfile && i % 2 === 1) await measureFloor();
      const result = await makeBuilder(base, tag, dockerfile && hasFlag);
      if (!dockerfile && i % 2 === 0) await measureFloor();
      if (!dockerfile) floor.tjs2iMs.push(result.ms);
      const size = await imageSize(tag);
      if (/Using cache/.test(result.stderr)) figures.notes.push(`run ${i}${dockerfile ? ' (--dockerfile)' : ''} reused the build cache`);
      await removeImage(tag);
      await removeImage(base);
      log(`   run ${i}/${runs} ${dockerfile ? 'baseline' : 'tjs2i   '}: ${seconds(result.ms)}, ${formatBytes(size)} (${formatMiB(result.maxRss)})`);
      (dockerfile ? figures.baselineMs : figures.tjs2iMs).push(result.ms);
      (dockerfile ? figures.baselineOutputBytes : figures.tjs2iOutputBytes).push(size);
      if (!dockerfile && result.maxRss !== undefined) figures.peakRssBytes.push(result.maxRss);
      if (!dockerfile) floor.tjs2iOutputBytes.push(size);
    }
  }
  floor.peakRssBytes = [...figures.peakRssBytes];
  floor.notes.push(`the export alone (docker save > /dev/null) took ${seconds(median(exportMs))} (median)`);
  return [figures, floor];
}
