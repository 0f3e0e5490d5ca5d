/** The ArchiveClient on dockerode. */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { UsageError } from '../common/errors.js';
import type { ArchiveClient } from './archive-client.js';
import { firstEntriesOf, firstFileOf, readAtMost } from './archive-readers.js';
import { HttpStatus, mappedCall, orAbsent, statusOf } from './engine-errors.js';
import { parsePathStat } from './path-stat.js';

export function createArchiveClient(docker: Docker, endpoint: string): ArchiveClient {
  const call = mappedCall(endpoint);
  /** A container path as a tar stream, or undefined when it does not exist. */
  const archiveOf = (containerId: string, path: string, signal?: AbortSignal): Promise<Readable | undefined> =>
    orAbsent(async () => (await docker.getContainer(containerId).getArchive({ path, abortSignal: signal } as { path: string })) as unknown as Readable);

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
        return archive && firstEntriesOf(archive, limit);
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
