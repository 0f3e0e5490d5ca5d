/**
 * Serving an image as a user would try it (`tjs2i run`, `preview`, `build --run`): a container with
 * Jupyter's port published on 127.0.0.1, its log streamed, a wait until Jupyter answers, then the
 * URL to open. Ctrl-C (the signal) is the normal end: the container is stopped and removed and
 * runImage returns. A server that dies, before or after it answered, is a BuildFailedError with its
 * exit code and last lines; its container is removed on every path.
 */
import type { Engine } from '../engine/engine.js';
import { uniqueName } from '../engine/unique-name.js';
import { BuildFailedError, UsageError } from '../common/errors.js';
import { apiUrls, browserUrl, ServerUrlScanner } from './jupyter-url.js';
import type { Logger } from '../common/log.js';
import { JUPYTER_CONTAINER_PORT, passwordProtected, PUBLISH_IP, RUN_LABEL, type RunOptions } from './run-options.js';
import { TailBuffer } from '../common/tail-buffer.js';

export interface RunImageOptions extends RunOptions {
  /** Labels besides io.tjs2i.run (preview adds its own). */
  labels?: Record<string, string>;
  /** How long Jupyter may take to answer (default 120 s). */
  readyTimeoutMs?: number;
  /** How long to look for the token in the log once Jupyter answers (default 10 s). */
  tokenWaitMs?: number;
  pollIntervalMs?: number;
  /** Asks a URL: its HTTP status, or undefined when nothing answers (tests replace it). */
  probe?: (url: string, signal: AbortSignal) => Promise<number | undefined>;
}

export interface ServerReady {
  /** What to open: http://127.0.0.1:PORT/…, with the token when there is no password. */
  url: string;
  port: number;
  containerId: string;
  container: string;
  passwordRequired: boolean;
  /** False when the server uses a token that could not be found in its log. */
  tokenFound: boolean;
}

export interface RunImageResult extends ServerReady {
  image: string;
}

/** Lines of the server's log kept for an error report. */
const TAIL_LINES = 20;
/** Seconds Jupyter gets to shut down on Ctrl-C before it is killed. */
const STOP_SECONDS = 3;
/** The container's name prefix. */
export const RUN_CONTAINER_PREFIX = 'tjs2i-run-';

/**
 * One request with its own timeout: a request to a published port that nothing serves yet can
 * hang. The timer is a plain (ref'd) one: AbortSignal.timeout's is unref'd, and an idle pending
 * fetch does not keep Node alive, so the process could end in the middle of the wait.
 */
export async function probeHttp(url: string, signal: AbortSignal, timeoutMs = 2000): Promise<number | undefined> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.any([signal, timeout.signal]) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function whenAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** The start error of a port that is taken, as the engine words it. */
const PORT_TAKEN = /address already in use|port is already allocated/i;

/**
 * Runs `image` until the signal fires (returns) or the server dies (throws). `onReady` is called
 * once, when Jupyter answers, with the URL to open.
 */
export async function runImage(
  engine: Pick<Engine, 'containers'>,
  image: string,
  options: RunImageOptions,
  logger: Logger,
  signal: AbortSignal | undefined,
  onReady: (ready: ServerReady) => void,
): Promise<RunImageResult> {
  const name = uniqueName(RUN_CONTAINER_PREFIX);
  const passwordRequired = passwordProtected(options.env);
  const probe = options.probe ?? probeHttp;
  const poll = options.pollIntervalMs ?? 500;
  const tail = new TailBuffer(TAIL_LINES);
  const scanner = new ServerUrlScanner();
  // Ends the wait and the attach once this run is over, whichever way it ends.
  const internal = new AbortController();
  const aborted = whenAborted(signal);
  let container: string | undefined;
  let exitCode: number | undefined;
  let exited: Promise<number> = new Promise(() => undefined);
  let outputEnded: Promise<void> = Promise.resolve();

  const died = async (when: string): Promise<never> => {
    const code = await exited;
    await Promise.race([outputEnded, delay(2000)]);
    throw new BuildFailedError(
      `the container of ${image} exited with code ${code} ${when}`,
      logger.level === 'quiet' ? 'its last lines are above' : 'its log is above; run it with `docker run --rm -it` to look closer',
      tail.get(),
    );
  };

  // Pending engine calls and fetches do not always keep Node alive: hold it until the run is over.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    if (options.env.length) logger.info(`    environment: ${options.env.map((v) => v.name).join(', ')}`);
    container = name;
    const id = await engine.containers.createServer(
      {
        image,
        name,
        labels: { [RUN_LABEL]: '1', ...options.labels },
        containerPort: JUPYTER_CONTAINER_PORT,
        hostIp: PUBLISH_IP,
        ...(options.port !== undefined ? { hostPort: options.port } : {}),
        env: options.env.map(({ name: n, value }) => `${n}=${value}`),
        ...(options.user !== undefined ? { user: options.user } : {}),
        binds: options.volumes,
      },
      signal,
    );
    container = id;
    const attached = await engine.containers.attachOutput(
      id,
      (chunk, stream) => {
        tail.push(chunk, stream);
        scanner.push(chunk, stream);
        logger.output(chunk, stream);
      },
      internal.signal,
    );
    outputEnded = attached.ended;
    try {
      await engine.containers.startContainer(id, signal);
    } catch (error) {
      if (options.port !== undefined && error instanceof Error && PORT_TAKEN.test(error.message)) {
        throw new UsageError(`port ${options.port} on ${PUBLISH_IP} is already in use`, 'give another --port, or leave it out for any free port');
      }
      throw error;
    }
    exited = engine.containers.waitContainer(id, internal.signal).then((code) => (exitCode = code));
    // A failed wait (the engine went away, or this run ended) is not an exit.
    exited.catch(() => undefined);
    const state = await engine.containers.inspectContainer(id, signal);
    const port = state?.ports[JUPYTER_CONTAINER_PORT]?.find((p) => p.hostPort > 0)?.hostPort;
    if (port === undefined) {
      if (exitCode !== undefined || (state && !state.running)) return await died('before Jupyter answered');
      throw new BuildFailedError(`the engine published no port for ${JUPYTER_CONTAINER_PORT} of container ${name}`);
    }
    logger.info(`started ${name} from ${image}: waiting for Jupyter on ${PUBLISH_IP}:${port}`);

    // Wait until Jupyter answers, the container exits, the user gives up, or time runs out.
    const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
    for (;;) {
      if (signal?.aborted) return { image, url: browserUrl(port, scanner.url), port, containerId: id, container: name, passwordRequired, tokenFound: false };
      if (exitCode !== undefined) return await died('before Jupyter answered');
      if (Date.now() >= deadline) {
        throw new BuildFailedError(
          `Jupyter in ${image} did not answer on ${PUBLISH_IP}:${port} within ${Math.round((options.readyTimeoutMs ?? 120_000) / 1000)} s`,
          'its log is above; the container was removed',
          tail.get(),
        );
      }
      let ready = false;
      for (const url of apiUrls(port, options.env, scanner.url)) {
        const status = await Promise.race([probe(url, internal.signal), exited.then(() => undefined), aborted.then(() => undefined)]);
        if (status === 200) ready = true;
        if (ready || exitCode !== undefined || signal?.aborted) break;
      }
      if (ready) break;
      await Promise.race([delay(poll), exited, aborted]);
    }

    // Jupyter prints its URL (with the token) as it starts listening: give the log a moment.
    const urlDeadline = Date.now() + (passwordRequired ? Math.min(3000, options.tokenWaitMs ?? 3000) : (options.tokenWaitMs ?? 10_000));
    const found = () => (passwordRequired ? scanner.url !== undefined : scanner.url?.token !== undefined);
    while (!found() && Date.now() < urlDeadline && !signal?.aborted && exitCode === undefined) {
      await Promise.race([delay(100), exited, aborted]);
    }
    if (exitCode !== undefined) return await died('right after Jupyter answered');
    const url = passwordRequired ? browserUrl(port, scanner.url && { path: scanner.url.path }) : browserUrl(port, scanner.url);
    const tokenFound = passwordRequired || scanner.url?.token !== undefined;
    const ready: ServerReady = { url, port, containerId: id, container: name, passwordRequired, tokenFound };
    if (!signal?.aborted) {
      if (!tokenFound) logger.warn("Jupyter's token was not found in its log: look for `token=` in the log, or run `jupyter server list` in the container");
      onReady(ready);
      await Promise.race([exited, aborted]);
      if (exitCode !== undefined && !signal?.aborted) return await died('while serving');
    }
    logger.info(`stopping ${name}`);
    return { image, ...ready };
  } finally {
    if (container) {
      if (exitCode === undefined)
        await engine.containers
          .stopContainer(container, STOP_SECONDS)
          .catch((error: unknown) => logger.warn(`could not stop container ${name}: ${String(error)}`));
      await engine.containers.removeContainer(container).catch((error: unknown) => logger.warn(`could not remove container ${name}: ${String(error)}`));
    }
    internal.abort();
    clearInterval(keepAlive);
  }
}
