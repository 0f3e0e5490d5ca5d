/** A fake ContainerClient (see fake-engine.ts). */
import type { CommitSpec, ContainerClient, ContainerSpec, ContainerState, OutputListener, ServerSpec } from '../../../src/engine/container-client.js';
import { FakeClient, type CallLog } from './fake-call-log.js';
import { imageInfo, type FakeImages } from './fake-images.js';

/**
 * Build containers that run assemble and commit (into the images of a FakeEngine), and a server
 * container (tjs2i run) whose output is sent on start and whose exit the test triggers.
 */
export class FakeContainers extends FakeClient implements ContainerClient {
  readonly created: ContainerSpec[] = [];
  readonly commits: CommitSpec[] = [];
  containerId = 'c0ffee0000000000000000000000000000000000000000000000000000000000';
  committedId = 'sha256:output';

  constructor(
    log?: CallLog,
    /** Where a commit puts the image it makes, when the test has images too. */
    private readonly images?: FakeImages,
  ) {
    super(log);
  }

  runImpl: (containerId: string, onOutput: OutputListener, signal?: AbortSignal) => Promise<number> = async (_id, onOutput) => {
    onOutput(Buffer.from('---> Installing\n'), 'stdout');
    return 0;
  };
  /**
   * An engine whose commit ignores the configuration it is sent (Podman < 4.8 through its Docker
   * API): the image gets the build container's own Cmd, Entrypoint, User and labels.
   */
  ignoresCommitConfig = false;
  commitImpl: (containerId: string, spec: CommitSpec, signal?: AbortSignal) => Promise<string> = async (_id, spec) => {
    const container = this.created.at(-1);
    const config = this.ignoresCommitConfig
      ? {
          cmd: container?.cmd ?? null,
          entrypoint: container?.entrypoint ?? null,
          user: container?.user ?? '',
          // On top of the image's own: its labels stay, the container's are added.
          labels: { ...(container ? this.imageOf(container.image)?.labels : {}), ...container?.labels },
        }
      : // As Docker: an empty Entrypoint is shown as null.
        { cmd: spec.cmd, entrypoint: spec.entrypoint.length ? spec.entrypoint : null, user: spec.user, labels: spec.labels };
    this.images?.local.set(this.committedId, imageInfo({ id: this.committedId, size: 4242, ...config }));
    return this.committedId;
  };
  /** The image a container was created from, by name or id. */
  private imageOf(image: string) {
    const local = this.images?.local;
    return local?.get(image) ?? [...(local?.values() ?? [])].find((info) => info.id === image);
  }
  removeContainerImpl: (containerId: string) => Promise<void> = async () => undefined;

  async createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<string> {
    this.log.record('createContainer', [spec, signal]);
    this.created.push(spec);
    return this.containerId;
  }

  run(containerId: string, onOutput: OutputListener, signal?: AbortSignal): Promise<number> {
    this.log.record('run', [containerId, onOutput, signal]);
    return this.runImpl(containerId, onOutput, signal);
  }

  commit(containerId: string, spec: CommitSpec, signal?: AbortSignal): Promise<string> {
    this.log.record('commit', [containerId, spec, signal]);
    this.commits.push(spec);
    return this.commitImpl(containerId, spec, signal);
  }

  removeContainer(containerId: string): Promise<void> {
    this.log.record('removeContainer', [containerId]);
    return this.removeContainerImpl(containerId);
  }

  readonly servers: ServerSpec[] = [];
  /** What the server prints when started (each chunk on stderr, as Jupyter logs). */
  serverOutput: string[] = [];
  /** The host port the engine "chose" when none was asked for. */
  chosenPort = 49153;
  private serverOnOutput: OutputListener | undefined;
  private serverExitCode: number | undefined;
  private endOutput: () => void = () => undefined;
  private exitServerWith: (code: number) => void = () => undefined;
  private readonly serverExited = new Promise<number>((resolve) => {
    this.exitServerWith = resolve;
  });
  private readonly outputEnded = new Promise<void>((resolve) => {
    this.endOutput = resolve;
  });
  startContainerImpl: (containerId: string, signal?: AbortSignal) => Promise<void> = async () => {
    for (const chunk of this.serverOutput) this.emitServerOutput(chunk);
  };

  /** Prints a line from the fake server, as if the container wrote it. */
  emitServerOutput(text: string): void {
    this.serverOnOutput?.(Buffer.from(text), 'stderr');
  }

  /** Makes the fake server exit: its output ends and waitContainer resolves. */
  exitServer(code: number): void {
    if (this.serverExitCode !== undefined) return;
    this.serverExitCode = code;
    this.endOutput();
    this.exitServerWith(code);
  }

  async createServer(spec: ServerSpec, signal?: AbortSignal): Promise<string> {
    this.log.record('createServer', [spec, signal]);
    this.servers.push(spec);
    return this.containerId;
  }

  async attachOutput(containerId: string, onOutput: OutputListener, signal?: AbortSignal): Promise<{ ended: Promise<void> }> {
    this.log.record('attachOutput', [containerId, onOutput, signal]);
    this.serverOnOutput = onOutput;
    return { ended: this.outputEnded };
  }

  startContainer(containerId: string, signal?: AbortSignal): Promise<void> {
    this.log.record('startContainer', [containerId, signal]);
    return this.startContainerImpl(containerId, signal);
  }

  async inspectContainer(containerId: string, signal?: AbortSignal): Promise<ContainerState | undefined> {
    this.log.record('inspectContainer', [containerId, signal]);
    const spec = this.servers.at(-1);
    const port = spec?.hostPort ?? this.chosenPort;
    return {
      id: containerId,
      name: spec?.name ?? 'fake',
      running: this.serverExitCode === undefined,
      status: this.serverExitCode === undefined ? 'running' : 'exited',
      exitCode: this.serverExitCode ?? 0,
      ports: spec ? { [spec.containerPort]: [{ hostIp: spec.hostIp, hostPort: port }] } : {},
    };
  }

  waitContainer(containerId: string, signal?: AbortSignal): Promise<number> {
    this.log.record('waitContainer', [containerId, signal]);
    return this.serverExited;
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    this.log.record('stopContainer', [containerId, timeoutSeconds]);
    this.exitServer(143);
  }
}
