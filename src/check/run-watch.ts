/**
 * The image's own entrypoint and command, started as a restricted platform would start it (an
 * arbitrary UID with group 0, no passwd entry, every capability dropped, no new privileges) and
 * watched: does it stay up for 20 s, and, for a Jupyter image, does Jupyter answer on its port? A
 * Jupyter that answers and then dies within the 20 s fails as any other exit does, so the watch lasts
 * the whole time. The container is stopped and removed however the watch ends.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerClient } from '../engine/container-client.js';
import { CHECK_CONTAINER_PREFIX } from '../engine/unique-name.js';
import { BuildFailedError, InterruptedError } from '../common/errors.js';
import { formatDuration, type Logger } from '../common/log.js';
import { apiUrls } from '../serve/jupyter-url.js';
import { probeHttp } from '../serve/run-image.js';
import { PUBLISH_IP } from '../serve/run-options.js';
import { ServerContainer } from '../serve/server-container.js';
import { JUPYTER_PORT } from '../s2i/jupyter-port.js';
import { line, type CheckLine } from './check-report.js';
import { CHECK_LABEL } from './check-label.js';
import { userSpec } from './arbitrary-uid.js';

/** A fail is an exit within this long of the start. */
export const STAY_UP_MS = 20_000;

export interface RunFacts {
  /** What the engine said when it could not create or start the container. */
  startError?: string;
  /** The command exited while watched: its code and when, counted from the start. */
  exited?: { code: number; afterMs: number };
  /** How long it was watched running (to its exit, or the whole time). */
  watchedMs: number;
  /** When Jupyter's API answered, counted from the start. */
  answeredAfterMs?: number;
  /** Its last lines of output, when it exited. */
  lastLines: string[];
}

export interface WatchOptions {
  /** Watch for an exit this long (default STAY_UP_MS). */
  stayUpMs?: number;
  pollIntervalMs?: number;
  /** Asks a URL: its HTTP status, or undefined when nothing answers (tests replace it). */
  probe?: (url: string, signal: AbortSignal) => Promise<number | undefined>;
}

/**
 * Starts `image` as `uid` with group 0 and watches it. `jupyter`: probe Jupyter's API on the
 * published port. Throws only when the user interrupts or the engine fails otherwise.
 */
export async function watchRun(
  containers: ContainerClient,
  image: string,
  uid: number,
  jupyter: boolean,
  logger: Logger,
  signal: AbortSignal | undefined,
  options: WatchOptions = {},
): Promise<RunFacts> {
  const { stayUpMs = STAY_UP_MS, pollIntervalMs = 500, probe = probeHttp } = options;
  const watchOver = new AbortController();
  // The command's log is for --verbose only: the report gives the last lines of a crash.
  const quiet: Logger = { ...logger, output: (chunk, stream) => (logger.level === 'debug' ? logger.output(chunk, stream) : undefined) };
  const server = new ServerContainer(containers, image, quiet, watchOver.signal, CHECK_CONTAINER_PREFIX);
  const interrupted = () => (signal?.aborted ? new InterruptedError() : undefined);
  try {
    let id: string;
    try {
      id = await server.start({ env: [], volumes: [], user: userSpec(uid), restricted: true, labels: { [CHECK_LABEL]: '1' } }, signal);
    } catch (error) {
      if (error instanceof BuildFailedError && !signal?.aborted) return { startError: error.message, watchedMs: 0, lastLines: [] };
      throw error;
    }
    const started = Date.now();
    let exitedAt: number | undefined;
    server.exited.then(() => (exitedAt = Date.now())).catch(() => undefined);
    logger.info(`    started ${server.name} as uid ${uid}, group 0: watching it for ${formatDuration(stayUpMs)}`);
    const port = jupyter ? await server.publishedPort(id, signal).catch(() => undefined) : undefined;
    let answeredAt: number | undefined;
    while (Date.now() - started < stayUpMs && server.exitCode === undefined) {
      const error = interrupted();
      if (error) throw error;
      // The user's Ctrl-C cuts a probe short too.
      const probing = signal ? AbortSignal.any([watchOver.signal, signal]) : watchOver.signal;
      if (port !== undefined && answeredAt === undefined && (await jupyterAnswers(server, port, probe, probing))) {
        answeredAt = Date.now();
        logger.info(`    Jupyter answered on port ${JUPYTER_PORT} after ${formatDuration(answeredAt - started)}`);
      }
      await Promise.race([delay(pollIntervalMs), server.exited.catch(() => undefined)]);
    }
    const error = interrupted();
    if (error) throw error;
    const facts: RunFacts = { watchedMs: Date.now() - started, lastLines: [], ...(answeredAt !== undefined ? { answeredAfterMs: answeredAt - started } : {}) };
    if (server.exitCode === undefined) return facts;
    const exit = await server.exitError('while checked');
    return {
      ...facts,
      watchedMs: (exitedAt ?? Date.now()) - started,
      exited: { code: server.exitCode, afterMs: (exitedAt ?? Date.now()) - started },
      lastLines: exit.lastLines,
    };
  } finally {
    // Nothing of it is kept: no time for a graceful shutdown.
    await server.stopAndRemove(0);
    watchOver.abort();
  }
}

/** One round over Jupyter's API URLs: whether one answered 200 (an exit cuts it short). */
async function jupyterAnswers(server: ServerContainer, port: number, probe: NonNullable<WatchOptions['probe']>, over: AbortSignal): Promise<boolean> {
  const ended = server.exited.then(
    () => undefined,
    () => undefined,
  );
  for (const url of apiUrls(port, [], server.url, PUBLISH_IP)) {
    if ((await Promise.race([probe(url, over), ended])) === 200) return true;
    if (server.exitCode !== undefined) return false;
  }
  return false;
}

/** The last line of a crash that says something (Python's last traceback line, say). */
function lastWords(lines: readonly string[]): string {
  return (
    [...lines]
      .reverse()
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

const seconds = (ms: number) => formatDuration(ms);

export function stayUpLine(facts: RunFacts, uid: number): CheckLine {
  const as = `uid ${uid}, group 0`;
  if (facts.startError) {
    return line(
      'stays-up',
      'fail',
      `did not start as ${as}: ${facts.startError}`,
      'make the entrypoint and command runnable by any UID in group 0 (group 0 owns them, g+rx)',
    );
  }
  if (facts.exited) {
    const words = lastWords(facts.lastLines);
    return {
      ...line(
        'stays-up',
        'fail',
        `exited with code ${facts.exited.code} after ${seconds(facts.exited.afterMs)} as ${as}${words ? `: ${words}` : ''}`,
        'make what it writes group-0 writable and set HOME (or run `tjs2i builder` on a Jupyter stack); `tjs2i run --user UID:0` shows the whole log',
      ),
      log: facts.lastLines,
    };
  }
  return line('stays-up', 'pass', `running after ${seconds(facts.watchedMs)} as ${as}`);
}

/** `jupyter`: where the image has the command, when it is a Jupyter image. */
export function jupyterLine(facts: RunFacts, jupyter: string | undefined): CheckLine {
  if (jupyter === undefined) return line('jupyter', 'skip', 'not a Jupyter image (no `jupyter` on its PATH)');
  if (facts.answeredAfterMs !== undefined) return line('jupyter', 'pass', `answered on port ${JUPYTER_PORT} after ${seconds(facts.answeredAfterMs)}`);
  if (facts.startError || facts.exited) return line('jupyter', 'fail', 'never answered: the command did not stay up', 'see "stays up"');
  return line(
    'jupyter',
    'fail',
    `did not answer on port ${JUPYTER_PORT} within ${seconds(facts.watchedMs)}`,
    `make Jupyter listen on 0.0.0.0:${JUPYTER_PORT} (\`--ip=0.0.0.0\`), or look at its log with \`tjs2i run\``,
  );
}
