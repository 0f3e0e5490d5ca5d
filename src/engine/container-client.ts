/**
 * The engine's containers: create (build, save-artifacts, usage and inspection containers, or a
 * server with a published port), run or attach/start/wait, inspect, stop, commit, remove.
 */

export interface ContainerSpec {
  image: string;
  name: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  env?: string[];
  labels?: Record<string, string>;
  /** Confined as OpenShift's restricted-v2 confines a pod (see RESTRICTED_HOST_CONFIG). */
  restricted?: boolean;
}

/** A long-running container with one port published on the engine host's loopback (`tjs2i run`). */
export interface ServerSpec {
  image: string;
  name: string;
  labels: Record<string, string>;
  /** The container's port, e.g. `8888/tcp`. */
  containerPort: string;
  /** The host address to publish on, e.g. 127.0.0.1. */
  hostIp: string;
  /** The host port; undefined for any free port (read it back with inspectContainer). */
  hostPort?: number;
  env?: string[];
  /** `--user`; undefined keeps the image's USER. */
  user?: string;
  /** Docker's `SRC:DST[:OPTIONS]` bind and volume specs (HostConfig.Binds). */
  binds?: string[];
  /** Confined as OpenShift's restricted-v2 confines a pod (see RESTRICTED_HOST_CONFIG). */
  restricted?: boolean;
}

/**
 * What OpenShift's restricted-v2 SCC (and Kubernetes' restricted Pod Security Standard) impose on a
 * container besides its arbitrary UID: every capability dropped, no privilege escalation (a set-uid
 * program gains nothing). The engine's default seccomp profile is already on.
 */
export const RESTRICTED_HOST_CONFIG = { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] } as const;

export interface CommitSpec {
  cmd: string[];
  user: string;
  /** Empty array for "no entrypoint" (null would inherit the build container's). */
  entrypoint: string[];
  labels: Record<string, string>;
}

export interface ContainerState {
  id: string;
  name: string;
  running: boolean;
  /** created, running, exited, dead, ... */
  status: string;
  exitCode: number;
  /** Published ports: container port (`8888/tcp`) → host addresses. */
  ports: Record<string, { hostIp: string; hostPort: number }[]>;
}

/** Receives a container's output as it comes, chunk by chunk. */
export type OutputListener = (chunk: Buffer, stream: 'stdout' | 'stderr') => void;

export interface ContainerClient {
  createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<string>;
  /** Creates a container that runs the image's own entrypoint and command with a published port. */
  createServer(spec: ServerSpec, signal?: AbortSignal): Promise<string>;
  /** Attach, start, stream output, wait: the container's exit code. */
  run(containerId: string, onOutput: OutputListener, signal?: AbortSignal): Promise<number>;
  /**
   * Attaches to a container's output (call before startContainer, so no line is lost). Resolves
   * once attached; `ended` resolves when the output ends (the container stopped).
   */
  attachOutput(containerId: string, onOutput: OutputListener, signal?: AbortSignal): Promise<{ ended: Promise<void> }>;
  startContainer(containerId: string, signal?: AbortSignal): Promise<void>;
  /** The container's state, or undefined when it does not exist. */
  inspectContainer(containerId: string, signal?: AbortSignal): Promise<ContainerState | undefined>;
  /** Waits until the container is not running: its exit code. */
  waitContainer(containerId: string, signal?: AbortSignal): Promise<number>;
  /** Best effort: SIGTERM, then SIGKILL after `timeoutSeconds`; stopped or gone is not an error. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Commits to an untagged image (the caller tags it, so an interrupted commit moves no tag). */
  commit(containerId: string, spec: CommitSpec, signal?: AbortSignal): Promise<string>;
  /** Best effort, forced; a container that is already gone is not an error. */
  removeContainer(containerId: string): Promise<void>;
}
