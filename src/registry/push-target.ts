/**
 * Where `build --push` sends an image, read from the output name as docker reads it: the first
 * component is a registry host when it has a dot or a port or is `localhost`; otherwise the image
 * goes to Docker Hub (`my-course` is `docker.io/library/my-course`).
 */
import { parseImageRef } from './image-ref.js';

/** Docker Hub's host in image names, and the key docker writes its credentials under. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export interface PushTarget {
  /** The name as the engine has it tagged, with its tag: what is pushed. */
  reference: string;
  /** The name without the tag (the engine's push takes the tag apart). */
  repository: string;
  tag: string;
  /** The registry host (`127.0.0.1:5000`, `quay.io`); `docker.io` for Docker Hub. */
  registry: string;
  /** The repository's path in the registry (`org/course`; `library/course` on Docker Hub). */
  path: string;
  /** The fully qualified reference (`docker.io/library/course:latest`). */
  canonical: string;
  /** True when the name has no registry host (Docker Hub by default, as docker does). */
  implicitRegistry: boolean;
}

export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host.toLowerCase());
}

export function pushTargetOf(output: string): PushTarget {
  const { repository, tag } = parseImageRef(output);
  const slash = repository.indexOf('/');
  const first = slash < 0 ? '' : repository.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = hasHost ? first : DOCKER_HUB;
  let path = hasHost ? repository.slice(slash + 1) : repository;
  const registry = isDockerHub(host) ? DOCKER_HUB : host;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return {
    reference: `${repository}:${tag}`,
    repository,
    tag,
    registry,
    path,
    canonical: `${registry}/${path}:${tag}`,
    implicitRegistry: !hasHost,
  };
}

/** How a registry is named in messages. */
export function describeRegistry(registry: string): string {
  return registry === DOCKER_HUB ? 'Docker Hub (docker.io)' : registry;
}
