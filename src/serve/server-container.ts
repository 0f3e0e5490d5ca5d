/**
 * The container that serves an image (`tjs2i run`, `preview`, `build --run`): created with Jupyter's
 * port published on 127.0.0.1 and attached before it starts, so no line of its log is lost; its log
 * shown with Jupyter's URLs pointed at the published port, and kept as it came (the last lines for
 * an error report, Jupyter's URL as Jupyter prints it); its exit watched; stopped and removed at the
 * end, whichever way the run ends.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerClient, ServerSpec } from '../engine/container-client.js';
import { uniqueName } from '../engine/unique-name.js';
import { BuildFailedError, UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { TailBuffer } from '../common/tail-buffer.js';
import { HostUrlLog } from './host-url-log.js';
import { ServerUrlScanner, type ServerUrl } from './jupyter-url.js';
import { JUPYTER_CONTAINER_PORT, PUBLISH_IP, RUN_LABEL, type RunOptions } from './run-options.js';

/** Lines of the server's log kept for an error report. */
const TAIL_LINES = 20;
/** Seconds Jupyter gets to shut down on Ctrl-C before it is killed. */
const STOP_SECONDS = 3;
/** How long an exit report waits for the end of the log, whose last lines it shows. */
const LOG_END_WAIT_MS = 2000;
/** The container's name prefix. */
export const RUN_CONTAINER_PREFIX = 'tjs2i-run-';
/** The start error of a port that is taken, as the engine words it. */
const PORT_TAKEN = /address already in use|port is already allocated/i;

export interface ServerContainerOptions extends RunOptions {
  /** Labels besides io.tjs2i.run (preview adds its own). */
  labels?: Record<string, string>;
  /** Confined as OpenShift's restricted-v2 would (`tjs2i check`): no capabilities, no new privileges. */
  restricted?: boolean;
}

export class ServerContainer {
  readonly name: string;
  private readonly tail = new TailBuffer(TAIL_LINES);
  private readonly scanner = new ServerUrlScanner();
  private readonly shown: HostUrlLog;
  /** What to stop and remove: its name from the moment it is asked for (a create may fail half way), then its id. */
  private reference: string | undefined;
  private code: number | undefined;
  private exit: Promise<number> = new Promise(() => undefined);
  private outputEnded: Promise<void> = Promise.resolve();

  constructor(
    private readonly containers: ContainerClient,
    readonly image: string,
    private readonly logger: Logger,
    /** Ends the attach and the wait for the exit once the run is over. */
    private readonly runOver: AbortSignal,
    /** The container's name prefix (`tjs2i check` names its own). */
    prefix = RUN_CONTAINER_PREFIX,
  ) {
    this.name = uniqueName(prefix);
    this.shown = new HostUrlLog((line, stream) => this.logger.output(line, stream), PUBLISH_IP);
  }

  /** Jupyter's URL as the log has printed it so far. */
  get url(): ServerUrl | undefined {
    return this.scanner.url;
  }

  /** Its exit code, once it has exited. */
  get exitCode(): number | undefined {
    return this.code;
  }

  /** Resolves with the exit code when it exits (never before it is started); rejects when the wait fails. */
  get exited(): Promise<number> {
    return this.exit;
  }

  lastLines(): string[] {
    return this.tail.get();
  }

  /** Creates the container, attaches to its output, starts it and watches for its exit: its id. */
  async start(options: ServerContainerOptions, signal: AbortSignal | undefined): Promise<string> {
    this.reference = this.name;
    const id = await this.containers.createServer(this.spec(options), signal);
    this.reference = id;
    await this.attach(id);
    await this.startPublishing(id, options.port, signal);
    this.watchExit(id);
    return id;
  }

  /** The host port the engine published Jupyter's port on. */
  async publishedPort(id: string, signal: AbortSignal | undefined): Promise<number> {
    const state = await this.containers.inspectContainer(id, signal);
    const port = state?.ports[JUPYTER_CONTAINER_PORT]?.find((p) => p.hostPort > 0)?.hostPort;
    if (port !== undefined) {
      // The engine names a container's host after the first 12 characters of its id.
      this.shown.publishedOn(port, id.slice(0, 12));
      return port;
    }
    if (this.code !== undefined || (state && !state.running)) throw await this.exitError('before Jupyter answered');
    throw new BuildFailedError(`the engine published no port for ${JUPYTER_CONTAINER_PORT} of container ${this.name}`);
  }

  /** Once it has exited and its log has ended (or had its moment to): the error that reports the exit, with its last lines. */
  async exitError(when: string): Promise<BuildFailedError> {
    const code = await this.exit;
    await Promise.race([this.outputEnded, delay(LOG_END_WAIT_MS)]);
    this.shown.end();
    return new BuildFailedError(
      `the container of ${this.image} exited with code ${code} ${when}`,
      this.logger.level === 'quiet' ? 'its last lines are above' : 'its log is above; run it with `docker run --rm -it` to look closer',
      this.tail.get(),
    );
  }

  /**
   * Stops it (unless it has exited; killed after `stopSeconds`) and removes it, if it was ever asked
   * for. Best effort: a failure is a warning, so it never hides the error that ended the run.
   */
  async stopAndRemove(stopSeconds = STOP_SECONDS): Promise<void> {
    const reference = this.reference;
    if (!reference) return;
    if (this.code === undefined) {
      await this.containers
        .stopContainer(reference, stopSeconds)
        .catch((error: unknown) => this.logger.warn(`could not stop container ${this.name}: ${String(error)}`));
    }
    await this.containers.removeContainer(reference).catch((error: unknown) => this.logger.warn(`could not remove container ${this.name}: ${String(error)}`));
    this.shown.end();
  }

  private spec(options: ServerContainerOptions): ServerSpec {
    return {
      image: this.image,
      name: this.name,
      labels: { [RUN_LABEL]: '1', ...options.labels },
      containerPort: JUPYTER_CONTAINER_PORT,
      hostIp: PUBLISH_IP,
      ...(options.port !== undefined ? { hostPort: options.port } : {}),
      env: options.env.map(({ name, value }) => `${name}=${value}`),
      ...(options.user !== undefined ? { user: options.user } : {}),
      binds: options.volumes,
      ...(options.restricted ? { restricted: true } : {}),
    };
  }

  private async attach(id: string): Promise<void> {
    const attached = await this.containers.attachOutput(
      id,
      (chunk, stream) => {
        this.tail.push(chunk, stream);
        this.scanner.push(chunk, stream);
        this.shown.push(chunk, stream);
      },
      this.runOver,
    );
    this.outputEnded = attached.ended;
  }

  /** Starts it; the port asked for being taken is the user's to change. */
  private async startPublishing(id: string, port: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.containers.startContainer(id, signal);
    } catch (error) {
      if (port !== undefined && error instanceof Error && PORT_TAKEN.test(error.message)) {
        throw new UsageError(`port ${port} on ${PUBLISH_IP} is already in use`, 'give another --port, or leave it out for any free port');
      }
      throw error;
    }
  }

  private watchExit(id: string): void {
    this.exit = this.containers.waitContainer(id, this.runOver).then((code) => (this.code = code));
    // A failed wait (the engine went away, or this run ended) is not an exit.
    this.exit.catch(() => undefined);
  }
}
