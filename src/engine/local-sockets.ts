/**
 * The engine's socket on this machine when neither --docker-host nor DOCKER_HOST names one:
 * Docker's, then rootless Podman's, then rootful Podman's; the first path that is a socket (a link
 * to one counts: Fedora's podman-docker links /var/run/docker.sock to Podman's).
 */
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const ROOTFUL_PODMAN_SOCKET = '/run/podman/podman.sock';

export interface LocalSocket {
  path: string;
  /** For --verbose: "the rootless Podman socket". */
  label: string;
}

/** Where the sockets are looked for, in order; the rootless one only when XDG_RUNTIME_DIR is an absolute path. */
export function localSocketCandidates(
  env: NodeJS.ProcessEnv,
  paths: { docker: string; rootfulPodman: string } = { docker: DOCKER_SOCKET, rootfulPodman: ROOTFUL_PODMAN_SOCKET },
): LocalSocket[] {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return [
    { path: paths.docker, label: 'the Docker socket' },
    ...(runtimeDir && isAbsolute(runtimeDir) ? [{ path: join(runtimeDir, 'podman', 'podman.sock'), label: 'the rootless Podman socket' }] : []),
    { path: paths.rootfulPodman, label: 'the rootful Podman socket' },
  ];
}

/** What the search found: the socket and why it was chosen, or why none was. */
export type SocketSearch = { found: LocalSocket; why: string } | { found?: undefined; why: string };

const NOTHING_NAMED = 'neither --docker-host nor DOCKER_HOST is set';

/** The first candidate that is a socket now (no connection is tried). */
export function findLocalSocket(candidates: readonly LocalSocket[], isSocket: (path: string) => boolean = isSocketPath): SocketSearch {
  const passed: string[] = [];
  for (const candidate of candidates) {
    if (isSocket(candidate.path)) {
      return { found: candidate, why: `${candidate.label}: ${NOTHING_NAMED}${passed.length ? `, and there is no ${orList(passed)}` : ''}` };
    }
    passed.push(candidate.path);
  }
  return { why: `${NOTHING_NAMED}, and there is no socket at ${orList(passed)}` };
}

function isSocketPath(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isSocket() ?? false;
  } catch {
    return false; // a directory we may not enter (root's /run/podman): not one we can use
  }
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
