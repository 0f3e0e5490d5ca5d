/**
 * The true owners of paths in a container on Podman. Its archive API sends every entry as owned by
 * the container's user (libpod's copyToArchive chowns what it sends to that user; the owner names it
 * keeps are not reliable either: a group with no usable name comes back nameless), so a tar header
 * there cannot say who owns a file. `stat` says it instead, run in a throwaway container of the same
 * image as the same user, with no network, no capabilities and no new privileges. A path stat could
 * not reach, or an image without `stat`, leaves its owner unknown.
 */
import type Docker from 'dockerode';
import { attachOutput } from './container-output.js';
import { OWNERS_CONTAINER_PREFIX, uniqueName } from './unique-name.js';

/** How long the output may take to end once stat exited. */
const DRAIN_MS = 5000;

export interface Owner {
  uid: number;
  gid: number;
}

/** `stat -c FORMAT -- PATHS`: one line per path it reached, with the path last (it may hold spaces). */
export const STAT_FORMAT = '%u %g %n';

/** Owners from stat's output: only lines naming one of `paths`, whole. */
export function parseStatOwners(output: string, paths: readonly string[]): Map<string, Owner> {
  const wanted = new Set(paths);
  const owners = new Map<string, Owner>();
  for (const line of output.split('\n')) {
    const match = /^(\d+) (\d+) (.*)$/s.exec(line);
    if (!match || !wanted.has(match[3]!)) continue;
    owners.set(match[3]!, { uid: Number(match[1]), gid: Number(match[2]) });
  }
  return owners;
}

/** Owners of `paths` (absolute) in the container's image, as its user sees them; the paths it could not stat are missing. */
export async function probeOwners(docker: Docker, containerId: string, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, Owner>> {
  if (paths.length === 0) return new Map();
  const info = await docker.getContainer(containerId).inspect({ abortSignal: signal } as object);
  const probe = await docker.createContainer({
    name: uniqueName(OWNERS_CONTAINER_PREFIX),
    Image: info.Image,
    User: info.Config.User,
    Entrypoint: ['stat'],
    Cmd: ['-c', STAT_FORMAT, '--', ...paths],
    Labels: { 'io.tjs2i.owners': '1' },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] },
    abortSignal: signal,
  } as Docker.ContainerCreateOptions);
  try {
    const chunks: Buffer[] = [];
    const { ended } = await attachOutput(docker, probe.id, (chunk, stream) => void (stream === 'stdout' && chunks.push(chunk)), signal);
    try {
      await probe.start({ abortSignal: signal } as object);
    } catch {
      return new Map(); // no stat in the image
    }
    await probe.wait({ abortSignal: signal } as object);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    return parseStatOwners(Buffer.concat(chunks).toString('utf8'), paths);
  } finally {
    await probe.remove({ force: true, v: true }).catch(() => undefined);
  }
}
