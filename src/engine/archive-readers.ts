/** Reading the tar archives the engine sends of a container's paths, no further than needed. */
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { PathEntry } from './archive-client.js';

/** Files read from containers are small (passwd, image metadata): a larger one is an error, not a buffer. */
const MAX_READ_BYTES = 1024 * 1024;

/** The headers of the first `limit` entries of an archive; the rest is never read. */
export function firstEntriesOf(archive: Readable, limit: number): Promise<PathEntry[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const entries: PathEntry[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      archive.unpipe(extract);
      archive.destroy();
      extract.destroy();
      resolve(entries);
    };
    extract.on('entry', (header, entry, next) => {
      entries.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0 });
      if (entries.length >= limit) return finish();
      entry.on('end', next);
      entry.resume();
    });
    extract.on('finish', finish);
    extract.on('error', (error) => (settled ? undefined : reject(error)));
    archive.on('error', (error) => (settled ? undefined : reject(error)));
    archive.pipe(extract);
  });
}

/** The whole archive, refused once it is more than `maxBytes`. */
export async function readAtMost(archive: Readable, maxBytes: number, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of archive as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      archive.destroy();
      throw new Error(`the archive of ${path} is more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The content of the archive's first regular file (at most MAX_READ_BYTES), or undefined when it has none. */
export function firstFileOf(archive: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let found: Buffer | undefined;
    extract.on('entry', (header, entry, next) => {
      if (found !== undefined || header.type !== 'file') {
        entry.on('end', next);
        entry.resume();
        return;
      }
      if ((header.size ?? 0) > MAX_READ_BYTES) {
        const error = new Error(`${header.name} is ${header.size} bytes, more than ${MAX_READ_BYTES}`);
        archive.destroy();
        extract.destroy(error);
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      entry.on('end', () => {
        found = Buffer.concat(chunks);
        next();
      });
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
