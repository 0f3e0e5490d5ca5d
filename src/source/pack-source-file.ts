/**
 * One regular file of the source into a tar pack, shared by the upload tar (pack-trees.ts) and the direct
 * write (direct-write.ts). The file is opened without following symlinks and the header's size comes
 * from the open file, and exactly that many bytes are sent: a file that grows cannot spill into the
 * next entry, and one that shrinks is a clear error. A small file is one read and one entry, without
 * a read stream (a course of 10,000 small files would otherwise leave 10,000 streams of garbage); a
 * big one is streamed, its chunks reported to the garbage pacer.
 */
import type { Stats } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Header, Pack } from 'tar-stream';
import { changedWhilePacked, closeSourceFile, openSourceFile, readSmallSourceFile, SMALL_FILE_BYTES, streamSourceFile } from './source-file.js';
import type { GarbagePacer } from '../common/gc-pacer.js';

/** The entry's header for the file's status (its size is set here). */
export type FileHeader = (stat: Stats) => Partial<Omit<Header, 'size' | 'type'>> & { name: string };

/** Resolves, with the file's status, once the pack has taken the entry (its back-pressure). */
export async function packSourceFile(pack: Pack, path: string, header: FileHeader, pacer: GarbagePacer): Promise<Stats> {
  const file = openSourceFile(path);
  const stat = file.stat;
  const entryHeader: Partial<Header> & { name: string } = { ...header(stat), type: 'file', size: stat.size };
  let data: Buffer | undefined;
  try {
    if (stat.size <= SMALL_FILE_BYTES) data = readSmallSourceFile(file);
    else {
      const content = streamSourceFile(file);
      content.on('data', (chunk: string | Buffer) => pacer.streamed(chunk.length));
      await pipeline(content, pack.entry(entryHeader)).catch((error: unknown) => {
        throw changedWhilePacked(file, (error as Error).message);
      });
    }
  } finally {
    closeSourceFile(file);
  }
  if (data) {
    const small = data;
    await new Promise<void>((resolve, reject) => pack.entry(entryHeader, small, (error) => (error ? reject(error) : resolve())));
  }
  pacer.packed();
  return stat;
}
