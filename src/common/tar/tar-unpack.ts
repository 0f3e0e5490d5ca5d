/**
 * A tar archive read as a stream, entry after entry, with names and link targets kept as bytes
 * (tar-stream's extract decodes them as UTF-8, which turns a Latin-1 `é` into U+FFFD and two such
 * names into one). It reads what tar-pack.ts writes, and what ustar, PAX and GNU writers write for
 * plain files, directories and links: PAX `path`, `linkpath` and `size`, GNU long names. Each
 * entry's data is read before the next entry is given; what the caller leaves unread is skipped.
 */
import { BLOCK, checksumValid, Field, headerFormat, isZeroBlock, padded, parseNumeric, parseNumericOr, parsePaxRecords } from './tar-header.js';

export interface UnpackedHeader {
  path: Buffer;
  linkname: Buffer;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  /** Permission bits with set-uid, set-gid and sticky (0o7777). */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
}

export interface UnpackedEntry {
  header: UnpackedHeader;
  /** The entry's data (files only), to read before asking for the next entry. */
  data: AsyncIterable<Buffer>;
}

const TYPES: Record<string, UnpackedHeader['type']> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'link' };

/** The bytes of an archive as they arrive, taken in exact amounts. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Exactly `n` bytes, or fewer where the archive ends. */
  async take(n: number): Promise<Buffer> {
    while (this.length < n && (await this.fill()));
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.keep(all.subarray(Math.min(n, all.length)));
    return all.subarray(0, n);
  }

  /** Up to `n` bytes as they come, without copying a big chunk: empty only where the archive ends. */
  async some(n: number): Promise<Buffer> {
    while (this.length === 0 && (await this.fill()));
    const first = this.chunks.shift();
    if (!first) return Buffer.alloc(0);
    this.length -= first.length;
    if (first.length > n) {
      this.chunks.unshift(first.subarray(n));
      this.length += first.length - n;
    }
    return first.subarray(0, n);
  }

  private keep(rest: Buffer): void {
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    if (chunk.length === 0) return true;
    this.chunks.push(chunk);
    this.length += chunk.length;
    return true;
  }
}

const field = (block: Buffer, [offset, length]: readonly [number, number]) => block.subarray(offset, offset + length);
/** A NUL-terminated field's bytes. */
const bytesOf = (bytes: Buffer) => {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end));
};

/**
 * The entries of an archive; throws on a corrupt or truncated one. The archive's iterator is closed
 * however the reading ends (a Readable is destroyed), so a writer of it stops instead of waiting.
 */
export async function* unpackTar(archive: AsyncIterable<Buffer>): AsyncGenerator<UnpackedEntry> {
  const source = archive[Symbol.asyncIterator]();
  try {
    yield* entries(new ByteQueue(source));
  } finally {
    await source.return?.();
  }
}

async function* entries(queue: ByteQueue): AsyncGenerator<UnpackedEntry> {
  let pax = new Map<string, Buffer>();
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  for (let at = 0; ;) {
    const block = await queue.take(BLOCK);
    if (block.length === 0 || isZeroBlock(block)) return;
    if (block.length < BLOCK) throw new Error('the archive ends inside a header');
    if (!checksumValid(block)) throw new Error(`invalid tar header checksum at byte ${at}`);
    const typeflag = String.fromCharCode(block[Field.typeflag[0]] as number);
    const metadata = ['x', 'g', 'L', 'K'].includes(typeflag);
    const paxSize = metadata ? undefined : pax.get('size')?.toString('latin1');
    const size = paxSize !== undefined ? Number(paxSize) : parseNumeric(field(block, Field.size));
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`invalid size in the tar header at byte ${at}`);
    at += BLOCK + padded(size);
    if (metadata) {
      const data = await queue.take(padded(size));
      if (data.length < padded(size)) throw new Error('the archive ends inside an entry');
      const content = data.subarray(0, size);
      if (typeflag === 'x') {
        for (const r of parsePaxRecords(content)) pax.set(r.key, Buffer.from(content.subarray(r.valueOffset, r.valueOffset + r.valueLength)));
      } else if (typeflag === 'L') longName = bytesOf(content);
      else if (typeflag === 'K') longLink = bytesOf(content);
      continue;
    }
    let name = bytesOf(field(block, Field.name));
    const format = headerFormat(block);
    if (format === 'ustar' || format === 'star') {
      const prefix = bytesOf(block.subarray(Field.prefix[0], Field.prefix[0] + (format === 'star' ? 131 : Field.prefix[1])));
      if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
    }
    const header: UnpackedHeader = {
      path: longName ?? pax.get('path') ?? name,
      linkname: longLink ?? pax.get('linkpath') ?? bytesOf(field(block, Field.linkname)),
      type: TYPES[typeflag] ?? 'other',
      mode: parseNumeric(field(block, Field.mode)) & 0o7777,
      mtime: parseNumericOr(field(block, Field.mtime), 0),
      size,
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    let left = size;
    const data = async function* (): AsyncGenerator<Buffer> {
      while (left > 0) {
        const chunk = await queue.some(left);
        if (chunk.length === 0) throw new Error('the archive ends inside an entry');
        left -= chunk.length;
        yield chunk;
      }
    };
    yield { header, data: data() };
    // What the caller did not read, then the padding.
    while (left > 0) {
      const chunk = await queue.some(left);
      if (chunk.length === 0) throw new Error('the archive ends inside an entry');
      left -= chunk.length;
    }
    const padding = padded(size) - size;
    if ((await queue.take(padding)).length < padding) throw new Error('the archive ends inside an entry');
  }
}
