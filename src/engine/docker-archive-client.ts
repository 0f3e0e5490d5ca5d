/** The ArchiveClient on dockerode. */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { UsageError } from '../common/errors.js';
import { posix } from 'node:path';
import type { ArchiveClient, PathEntry } from './archive-client.js';
import { firstEntriesOf, firstFileOf, readAtMost } from './archive-readers.js';
import { HttpStatus, mappedCall, orAbsent, statusOf } from './engine-errors.js';
import type { EngineIdentity } from './engine-identity.js';
import { probeOwners } from './owner-probe.js';
import { parsePathStat } from './path-stat.js';

export function createArchiveClient(docker: Docker, endpoint: string, identify: (signal?: AbortSignal) => Promise<EngineIdentity>): ArchiveClient {
  const call = mappedCall(endpoint);
  /** A container path as a tar stream, or undefined when it does not exist. */
  const archiveOf = (containerId: string, path: string, signal?: AbortSignal): Promise<Readable | undefined> =>
    orAbsent(async () => (await docker.getContainer(containerId).getArchive({ path, abortSignal: signal } as { path: string })) as unknown as Readable);

  /** Podman's archive says every entry belongs to the container's user: the owners come from stat. */
  const withProbedOwners = async (containerId: string, path: string, entries: PathEntry[], signal?: AbortSignal): Promise<PathEntry[]> => {
    const full = (entry: PathEntry) => posix.join(posix.dirname(path), entry.name);
    const owners = await probeOwners(docker, containerId, entries.map(full), signal);
    return entries.map((entry) => {
      const owner = owners.get(full(entry));
      return { ...entry, uid: owner?.uid, gid: owner?.gid };
    });
  };

  return {
    putArchive: (containerId, archive, path, signal) =>
      call('upload the source', async () => {
        try {
          await docker.getContainer(containerId).putArchive(
            archive as unknown as NodeJS.ReadableStream,
            {
              path,
              abortSignal: signal,
            } as unknown as Docker.ContainerInfo,
          );
        } catch (error) {
          if (statusOf(error) === HttpStatus.notFound) {
            throw new UsageError(`${path} does not exist in the builder image`, 'give a --destination that exists in the image (s2i does not create it)');
          }
          throw error;
        }
      }),

    // Unknown (no answer to GET /version) counts as Podman: a second symlink is right on both.
    linksSymlinks: async (signal) => (await identify(signal).catch(() => undefined))?.kind === 'docker',

    readFile: (containerId, path, signal) =>
      call(`read ${path}`, async () => {
        const archive = await archiveOf(containerId, path, signal);
        return archive && firstFileOf(archive);
      }),

    readArchive: (containerId, path, maxBytes, signal) =>
      call(`read ${path}`, async () => {
        const archive = await archiveOf(containerId, path, signal);
        return archive && readAtMost(archive, maxBytes, path);
      }),

    listPath: (containerId, path, limit, signal) =>
      call(`look at ${path}`, async () => {
        const archive = await archiveOf(containerId, path, signal);
        const entries = archive && (await firstEntriesOf(archive, limit));
        if (!entries?.length || (await identify(signal)).kind !== 'podman') return entries;
        return withProbedOwners(containerId, path, entries, signal);
      }),

    statPath: (containerId, path, signal) =>
      call(`stat ${path}`, () =>
        orAbsent(async () => {
          const response = (await docker.getContainer(containerId).infoArchive({ path, abortSignal: signal } as { path: string })) as unknown as Readable & {
            headers: Record<string, string | undefined>;
          };
          response.resume();
          return parsePathStat(response.headers['x-docker-container-path-stat']);
        }),
      ),
  };
}
