/**
 * A tar archive written as a stream, entry after entry, with headers from raw-tar-entry.ts, so names
 * read from disk as bytes reach the archive as they are (tar-stream's pack writes names only as
 * UTF-8 strings). Each write waits while the reader is behind (the stream's back-pressure), so a
 * packer never holds more than one file's chunk in memory; a destroyed stream makes every later
 * write fail with the reason it was destroyed, so a packer stops reading files nobody will receive.
 */
import { Readable } from 'node:stream';
import { encodeHeader, END_OF_ARCHIVE, type TarEntryHeader } from './raw-tar-entry.js';
import { BLOCK, padded } from './tar-header.js';

export type PackHeader = TarEntryHeader<string | Buffer>;

export interface TarPack {
  /** The archive, ended by `finalize`; an error given to `destroy` is emitted on it. */
  readonly stream: Readable;
  /** Writes an entry and its data (a file's whole content, which gives its size; nothing for other types). */
  add(header: Omit<PackHeader, 'size'>, data?: Buffer): Promise<void>;
  /**
   * Writes a file entry whose content comes in chunks: exactly `header.size` bytes must come, and
   * fewer or more is an error (the archive is then unusable, and the caller destroys it).
   */
  addStream(header: PackHeader, content: AsyncIterable<Buffer>): Promise<void>;
  /** Ends the archive (its two zero blocks). */
  finalize(): void;
  destroy(error: Error): void;
}

const ZEROS = Buffer.alloc(BLOCK);
const padding = (size: number) => ZEROS.subarray(0, padded(size) - size);

class PackStream extends Readable {
  private waiting: (() => void)[] = [];

  /** Resolves when the reader wants more; rejects once the stream is destroyed. */
  async write(chunk: Buffer): Promise<void> {
    this.throwIfDestroyed();
    if (!this.push(chunk)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.throwIfDestroyed();
    }
  }

  override _read(): void {
    this.wake();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.wake();
    callback(error);
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resume of waiting) resume();
  }

  private throwIfDestroyed(): void {
    if (this.destroyed) throw this.errored ?? new Error('the tar stream was closed before it was complete');
  }
}

export function createTarPack(): TarPack {
  const stream = new PackStream();
  return {
    stream,
    add: async (header, data = Buffer.alloc(0)) => {
      if (header.type !== 'file' && data.length > 0) throw new Error(`a ${header.type} entry has no data`);
      const size = data.length;
      // One chunk per small entry: a course of many small files is many entries.
      await stream.write(Buffer.concat([encodeHeader({ ...header, size }), data, padding(size)]));
    },
    addStream: async (header, content) => {
      await stream.write(encodeHeader({ ...header, type: 'file' }));
      let sent = 0;
      for await (const chunk of content) {
        sent += chunk.length;
        if (sent > header.size) throw new Error(`more than the ${header.size} bytes announced`);
        await stream.write(chunk);
      }
      if (sent !== header.size) throw new Error(`${sent} bytes of the ${header.size} announced`);
      if (sent % BLOCK !== 0) await stream.write(padding(sent));
    },
    finalize: () => {
      stream.push(END_OF_ARCHIVE);
      stream.push(null);
    },
    destroy: (error) => stream.destroy(error),
  };
}
