/**
 * The Docker Engine API as tjs2i uses it, one client per resource (images, containers, the archives
 * of containers' paths) on one dockerode connection. engine/ is the only folder that uses dockerode
 * (loaded by dockerode-loader.ts); its failures reach callers as typed errors (engine-errors.ts).
 * Callers take only the clients they use (a Pick of Engine, or one client).
 */
import type Docker from 'dockerode';
import type { ArchiveClient } from './archive-client.js';
import type { ContainerClient } from './container-client.js';
import { createArchiveClient } from './docker-archive-client.js';
import { createContainerClient } from './docker-container-client.js';
import { describeDockerHost, dockerConnectOptions, endpointSource, resolveDockerHost, type DockerHost } from './docker-host.js';
import { createImageClient } from './docker-image-client.js';
import { Dockerode } from './dockerode-loader.js';
import { mappedCall } from './engine-errors.js';
import { identityOf, type EngineIdentity, type VersionJson } from './engine-identity.js';
import type { ImageClient } from './image-client.js';
import type { LocalSocket } from './local-sockets.js';

export interface Engine {
  /** A description of where the engine is, for messages (and for what differs between engines). */
  readonly endpoint: string;
  /** Why the engine is at that endpoint: "from DOCKER_HOST", "the rootless Podman socket: …" (for --verbose). */
  readonly endpointSource: string;
  readonly images: ImageClient;
  readonly containers: ContainerClient;
  readonly archives: ArchiveClient;
  /**
   * Which engine answers (GET /version): Docker or Podman, its version and API version. Asked once
   * per engine: a successful answer is kept, a failure is not (a later call asks again).
   */
  identify(signal?: AbortSignal): Promise<EngineIdentity>;
}

export interface EngineOptions {
  /** The --docker-host option: overrides DOCKER_HOST. */
  dockerHost?: string;
  env?: NodeJS.ProcessEnv;
  /** A ready client (tests); the endpoint is then only used in messages. */
  docker?: Docker;
  /** Where local sockets are looked for when no endpoint is named (tests); default local-sockets.ts's. */
  sockets?: readonly LocalSocket[];
  /** A known identity (tests): identify() then asks the engine nothing. */
  identity?: EngineIdentity;
}

/**
 * The engine at --docker-host, DOCKER_HOST or the local socket. Throws UsageError for a malformed
 * or unsupported endpoint and for unreadable TLS files.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const env = options.env ?? process.env;
  const host = resolveDockerHost(options.dockerHost, env, undefined, options.sockets);
  const endpoint = describeDockerHost(host);
  const docker = options.docker ?? connect(host);
  const identify = options.identity ? () => Promise.resolve(options.identity!) : memoisedIdentify(docker, endpoint);
  return {
    endpoint,
    endpointSource: endpointSource(host, options.dockerHost, env),
    images: createImageClient(docker, endpoint),
    containers: createContainerClient(docker, endpoint, identify),
    archives: createArchiveClient(docker, endpoint, identify),
    identify,
  };
}

/** identify() on dockerode: the answer kept once it came, a failure forgotten. */
function memoisedIdentify(docker: Docker, endpoint: string): (signal?: AbortSignal) => Promise<EngineIdentity> {
  const call = mappedCall(endpoint);
  let known: Promise<EngineIdentity> | undefined;
  return (signal) => {
    if (known) return known;
    const asking = call('ask the engine its version', async () => {
      // dockerode 5 takes an abortSignal in the options; its published types predate that.
      const version = docker.version as unknown as (options: { abortSignal?: AbortSignal }) => Promise<VersionJson>;
      return identityOf(await version.call(docker, signal ? { abortSignal: signal } : {}));
    });
    known = asking;
    asking.catch(() => {
      if (known === asking) known = undefined;
    });
    return asking;
  };
}

/**
 * A dockerode client for the endpoint. With explicit options, DOCKER_HOST is hidden while the
 * client is made: docker-modem would otherwise read it (and its TLS files) under the options.
 */
function connect(host: DockerHost): Docker {
  const options = dockerConnectOptions(host);
  if (!options) return new Dockerode();
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return new Dockerode(options);
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}
