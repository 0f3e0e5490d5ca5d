/**
 * Time to a usable preview: `tjs2i preview` of the example course (build and serve) until the URL it
 * prints answers, against the floor of `docker run` of the same course's image until Jupyter's `/api`
 * answers. A warm-up of each is not counted; the two alternate.
 */
import { once } from 'node:events';
import { cliFailed, emptyFigures, log, seconds, unique, type CaseFigures } from './case-figures.js';
import { docker, lastLines, ROOT, startTjs2i, tjs2i } from './processes.js';
import { BENCH_LABEL, removeContainer, removeImage, track } from './resources.js';

const COURSE = `${ROOT}examples/course`;
const POLL_MS = 50;
const TIMEOUT_MS = 180_000;

/** Resolves once `url` answers 200 (polled every 50 ms), failing after three minutes. */
async function answers(url: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const status = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url.replace(/token=[^&]+/, 'token=…')} did not answer 200 within ${TIMEOUT_MS / 1000} s (last ${status})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** One preview, from its start until its printed URL answers; then Ctrl-C and its clean-up (not timed). */
async function timedPreview(builder: string): Promise<number> {
  const started = process.hrtime.bigint();
  const child = await startTjs2i(['preview', COURSE, builder, '--json']);
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line && stdout.includes('\n')) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(([code]) => reject(new Error(`tjs2i preview exited ${code} before it was ready: ${lastLines(stderr)}`)));
  });
  try {
    await answers(await ready);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    if (child.exitCode === null) child.kill('SIGINT');
    // As on Ctrl-C of the benchmark: a preview that does not end within 15 s is killed.
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code] = await exited;
    clearTimeout(kill);
    if (code !== 0 && code !== 130) log(`   tjs2i preview ended with ${code}: ${lastLines(stderr)}`);
  }
}

/** The floor: `docker run -d -p` of the course's image until Jupyter's /api answers. */
async function timedDockerRun(image: string): Promise<number> {
  const name = unique('preview-floor');
  track.container(name);
  const started = process.hrtime.bigint();
  await docker('run', '-d', '--label', BENCH_LABEL, '--name', name, '-p', '127.0.0.1::8888', image);
  const port = (await docker('port', name, '8888/tcp')).split('\n')[0]!.split(':').pop();
  await answers(`http://127.0.0.1:${port}/api`);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await removeContainer(name);
  return ms;
}

export async function previewCase(builder: string, runs: number): Promise<CaseFigures> {
  log(`\n## preview of the example course until its URL answers (vs docker run until /api answers): ${runs} runs each after a warm-up`);
  const image = unique('preview-image');
  track.image(image);
  const built = await tjs2i(['build', COURSE, builder, image]);
  if (built.code !== 0) throw cliFailed('tjs2i build', built);
  const figures = emptyFigures('preview', 'preview of the example course, time to its URL answering (vs docker run until /api answers)', runs, Number.NaN);
  for (let i = 0; i <= runs; i++) {
    const ours = await timedPreview(builder);
    const floor = await timedDockerRun(image);
    log(`   ${i === 0 ? 'warm-up' : `run ${i}/${runs}`}: tjs2i preview ${seconds(ours, 2)}, docker run ${seconds(floor, 2)}`);
    if (i === 0) continue;
    figures.tjs2iMs.push(ours);
    figures.baselineMs.push(floor);
  }
  await removeImage(image);
  return figures;
}
