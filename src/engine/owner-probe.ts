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

/** How long stat may take: a probe that hangs must not hang the build or the check. */
const PROBE_TIMEOUT_MS = 60_000;

/** The engine's words when the image has no `stat` to run. */
const NO_STAT = /executable file .*not found|no such file or directory/i;

/** A user spec that is root (by name or id), or none, which would run the image's own user: never probed as. */
const rootOrNone = (user: string) => /^(|root|0)(:.*)?$/.test(user.trim());

/**
 * Owners of `paths` (absolute) in the container's image, as the container's user sees them; the
 * paths it could not stat are missing, and all are when the image has no `stat` or the container's
 * user is root or unset (a probe never runs as root). A failure of the engine, or an interruption,
 * is thrown once the probe container is removed.
 */
export async function probeOwners(docker: Docker, containerId: string, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, Owner>> {
  if (paths.length === 0) return new Map();
  const info = await docker.getContainer(containerId).inspect({ abortSignal: signal } as object);
  const user = info.Config.User ?? '';
  if (rootOrNone(user)) return new Map();
  const name = uniqueName(OWNERS_CONTAINER_PREFIX);
  const limited = AbortSignal.any([AbortSignal.timeout(PROBE_TIMEOUT_MS), ...(signal ? [signal] : [])]);
  const chunks: Buffer[] = [];
  try {
    await docker.createContainer({
      name,
      Image: info.Image,
      User: user,
      Entrypoint: ['stat'],
      Cmd: ['-c', STAT_FORMAT, '--', ...paths],
      Labels: { 'io.tjs2i.owners': '1' },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: 16 },
      abortSignal: limited,
    } as Docker.ContainerCreateOptions);
    const probe = docker.getContainer(name);
    const { ended } = await attachOutput(docker, name, (chunk, stream) => void (stream === 'stdout' && chunks.push(chunk)), limited);
    await probe.start({ abortSignal: limited } as object);
    await probe.wait({ abortSignal: limited } as object);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
  } catch (error) {
    if (signal?.aborted) throw error;
    // Too slow, or nothing to run: the owners stay unknown. Any other failure is the engine's.
    if (limited.aborted || NO_STAT.test(String((error as { json?: { message?: string } })?.json?.message ?? error))) return new Map();
    throw error;
  } finally {
    // By name: a create that was interrupted may still have made it.
    await docker
      .getContainer(name)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  return parseStatOwners(Buffer.concat(chunks).toString('utf8'), paths);
}
