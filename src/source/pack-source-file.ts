/**
 * One regular file of the source into a tar pack, shared by the upload tar (pack-trees.ts) and the direct
 * write (direct-write.ts); its path may be bytes (raw-names.ts). The file is opened as source-file.ts
 * says (no symlink followed, no FIFO waited for), the header's size comes from the open file, and
 * exactly that many bytes are sent: a file that grows or shrinks while it is read is a clear error,
 * never a corrupt archive. A small file is one read and one entry, without a read stream (a course of
 * 10,000 small files would otherwise leave 10,000 streams of garbage); a big one is streamed, its
 * chunks reported to the garbage pacer.
 */
import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { changedWhilePacked, checkNotGrown, closeSourceFile, openSourceFile, readSmallSourceFile, SMALL_FILE_BYTES, streamSourceFile } from './source-file.js';
import type { GarbagePacer } from '../common/gc-pacer.js';
import type { PackHeader, TarPack } from '../common/tar/tar-pack.js';

/** The entry's header for the file's status (its size is set here). */
export type FileHeader = (stat: Stats) => Omit<PackHeader, 'size' | 'type'>;

/**
 * Resolves, with the file's status, once the pack has taken the entry (its back-pressure).
 * `listedAs`: for a file of a walked tree, how messages name it (see openSourceFile).
 */
export async function packSourceFile(pack: TarPack, path: string | Buffer, header: FileHeader, pacer: GarbagePacer, listedAs?: () => string): Promise<Stats> {
  const file = openSourceFile(path, listedAs);
  const stat = file.stat;
  const entryHeader: PackHeader = { ...header(stat), type: 'file', size: stat.size };
  let data: Buffer | undefined;
  try {
    if (stat.size <= SMALL_FILE_BYTES) data = readSmallSourceFile(file);
    else {
      const content = streamSourceFile(file);
      await pack.addStream(entryHeader, paced(content, pacer)).catch((error: unknown) => {
        content.destroy();
        // A pack its reader gave up on says why; anything else is this file's reading.
        throw pack.stream.destroyed ? error : changedWhilePacked(file.shown(), (error as Error).message);
      });
      checkNotGrown(file);
    }
  } finally {
    closeSourceFile(file);
  }
  if (data) await pack.add(entryHeader, data);
  pacer.packed();
  return stat;
}

/** The chunks of a big file, each reported to the garbage pacer. */
async function* paced(content: Readable, pacer: GarbagePacer): AsyncGenerator<Buffer> {
  for await (const chunk of content) {
    const bytes = chunk as Buffer;
    pacer.streamed(bytes.length);
    yield bytes;
  }
}
