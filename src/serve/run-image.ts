/**
 * Serving an image as a user would try it (`tjs2i run`, `preview`, `build --run`): a container with
 * Jupyter's port published on 127.0.0.1, its log streamed, a wait until Jupyter answers, then the
 * URL to open. Ctrl-C (the signal) is the normal end: the container is stopped and removed and
 * runImage returns. A server that dies, before or after it answered, is a BuildFailedError with its
 * exit code and last lines; its container is removed on every path.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Engine } from '../engine/engine.js';
import { BuildFailedError } from '../common/errors.js';
import { apiUrls, browserUrl } from './jupyter-url.js';
import type { Logger } from '../common/log.js';
import { passwordProtected, PUBLISH_IP } from './run-options.js';
import { ServerContainer, type ServerContainerOptions } from './server-container.js';

export interface RunImageOptions extends ServerContainerOptions {
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

function whenAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

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
  // Ends the waits and the attach once this run is over, whichever way it ends.
  const runOver = new AbortController();
  const server = new ServerContainer(engine.containers, image, logger, runOver.signal);
  const passwordRequired = passwordProtected(options.env);
  const waits = new ServerWaits(server, options, signal, runOver.signal);

  // Pending engine calls and fetches do not always keep Node alive: hold it until the run is over.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    if (options.env.length) logger.info(`    environment: ${options.env.map((v) => v.name).join(', ')}`);
    const id = await server.start(options, signal);
    const port = await server.publishedPort(id, signal);
    logger.info(`started ${server.name} from ${image}: waiting for Jupyter on ${PUBLISH_IP}:${port}`);
    if (!(await waits.untilJupyterAnswers(port))) {
      // Ctrl-C before Jupyter answered ends the run as normally as after it.
      return { image, url: browserUrl(port, server.url), port, containerId: id, container: server.name, passwordRequired, tokenFound: false };
    }
    await waits.untilUrlInLog(passwordRequired);
    if (server.exitCode !== undefined) throw await server.exitError('right after Jupyter answered');
    const ready = readyAt(server, id, port, passwordRequired);
    if (!signal?.aborted) {
      if (!ready.tokenFound)
        logger.warn("Jupyter's token was not found in its log: look for `token=` in the log, or run `jupyter server list` in the container");
      onReady(ready);
      await waits.untilExitOrInterrupted();
      if (server.exitCode !== undefined && !signal?.aborted) throw await server.exitError('while serving');
    }
    logger.info(`stopping ${server.name}`);
    return { image, ...ready };
  } finally {
    await server.stopAndRemove();
    runOver.abort();
    clearInterval(keepAlive);
  }
}

/** What to open once Jupyter answers: the URL it printed, without its token when a password protects it. */
function readyAt(server: ServerContainer, id: string, port: number, passwordRequired: boolean): ServerReady {
  const printed = server.url;
  const url = passwordRequired ? browserUrl(port, printed && { path: printed.path }) : browserUrl(port, printed);
  const tokenFound = passwordRequired || printed?.token !== undefined;
  return { url, port, containerId: id, container: server.name, passwordRequired, tokenFound };
}

/** The waits of a run: each one is cut short when the container exits or the user gives up (Ctrl-C). */
class ServerWaits {
  private readonly aborted: Promise<void>;
  private readonly probe: NonNullable<RunImageOptions['probe']>;
  private readonly pollIntervalMs: number;
  private readonly readyTimeoutMs: number;

  constructor(
    private readonly server: ServerContainer,
    private readonly options: RunImageOptions,
    private readonly signal: AbortSignal | undefined,
    /** Ends the probes once the run is over. */
    private readonly runOver: AbortSignal,
  ) {
    this.aborted = whenAborted(signal);
    this.probe = options.probe ?? probeHttp;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  }

  /**
   * Until Jupyter answers (true) or the user gives up (false). The container exiting first, or
   * the time running out, is an error.
   */
  async untilJupyterAnswers(port: number): Promise<boolean> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      if (this.signal?.aborted) return false;
      if (this.server.exitCode !== undefined) throw await this.server.exitError('before Jupyter answered');
      if (Date.now() >= deadline) {
        throw new BuildFailedError(
          `Jupyter in ${this.server.image} did not answer on ${PUBLISH_IP}:${port} within ${Math.round(this.readyTimeoutMs / 1000)} s`,
          'its log is above; the container was removed',
          this.server.lastLines(),
        );
      }
      if (await this.anyApiUrlAnswers(port)) return true;
      await this.pause(this.pollIntervalMs);
    }
  }

  /** Jupyter prints its URL (with the token) as it starts listening: gives the log a moment to show it. */
  async untilUrlInLog(passwordRequired: boolean): Promise<void> {
    const { tokenWaitMs } = this.options;
    const deadline = Date.now() + (passwordRequired ? Math.min(3000, tokenWaitMs ?? 3000) : (tokenWaitMs ?? 10_000));
    const found = () => (passwordRequired ? this.server.url !== undefined : this.server.url?.token !== undefined);
    while (!found() && Date.now() < deadline && !this.signal?.aborted && this.server.exitCode === undefined) {
      await this.pause(100);
    }
  }

  /** Until the container exits or the user gives up: the time Jupyter serves. */
  async untilExitOrInterrupted(): Promise<void> {
    await Promise.race([this.server.exited, this.aborted]);
  }

  /** One round over the server's API URLs: whether one answered 200. */
  private async anyApiUrlAnswers(port: number): Promise<boolean> {
    for (const url of apiUrls(port, this.options.env, this.server.url)) {
      const status = await Promise.race([this.probe(url, this.runOver), this.server.exited.then(() => undefined), this.aborted.then(() => undefined)]);
      if (status === 200) return true;
      if (this.server.exitCode !== undefined || this.signal?.aborted) return false;
    }
    return false;
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([delay(ms), this.server.exited, this.aborted]);
  }
}
