/**
 * A tar reader for tests that keeps names as bytes (tar-stream's extract decodes them as UTF-8, so a
 * Latin-1 name would come back as U+FFFD and a test could not tell it from a mangled one). It reads
 * the name and link fields and the PAX `path` and `linkpath` values where they sit, independently of
 * the writer under test; the numeric fields go through the project's own header reader.
 */
import { BLOCK, Field, isZeroBlock, padded, parseNumeric, parsePaxRecords } from '../../../src/common/tar/tar-header.js';

export interface RawTarEntry {
  name: Buffer;
  linkname: Buffer;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  data: Buffer;
}

const bytesOf = (block: Buffer, [offset, length]: readonly [number, number]) => {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end));
};

/** Every member of an archive held in memory, PAX headers applied to the member they precede. */
export function readRawTar(archive: Buffer): RawTarEntry[] {
  const entries: RawTarEntry[] = [];
  let pax = new Map<string, Buffer>();
  for (let at = 0; at + BLOCK <= archive.length;) {
    const block = archive.subarray(at, at + BLOCK);
    if (isZeroBlock(block)) break;
    const typeflag = String.fromCharCode(block[Field.typeflag[0]] as number);
    const headerSize = parseNumeric(block.subarray(Field.size[0], Field.size[0] + Field.size[1]));
    const size = typeflag === 'x' ? headerSize : Number(pax.get('size')?.toString('latin1') ?? headerSize);
    const data = Buffer.from(archive.subarray(at + BLOCK, at + BLOCK + size));
    at += BLOCK + padded(size);
    if (typeflag === 'x') {
      for (const r of parsePaxRecords(data)) pax.set(r.key, data.subarray(r.valueOffset, r.valueOffset + r.valueLength));
      continue;
    }
    const prefix = bytesOf(block, Field.prefix);
    const name = prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), bytesOf(block, Field.name)]) : bytesOf(block, Field.name);
    const numeric = (f: readonly [number, number]) => parseNumeric(block.subarray(f[0], f[0] + f[1]));
    entries.push({
      name: pax.get('path') ?? name,
      linkname: pax.get('linkpath') ?? bytesOf(block, Field.linkname),
      typeflag,
      mode: numeric(Field.mode),
      uid: numeric(Field.uid),
      gid: numeric(Field.gid),
      size,
      data,
    });
    pax = new Map();
  }
  return entries;
}

/** The entry whose name is exactly these bytes. */
export function rawEntry(entries: readonly RawTarEntry[], name: Buffer): RawTarEntry | undefined {
  return entries.find((e) => e.name.equals(name));
}

/** Path bytes: text parts as UTF-8, buffers as they are. */
export const bytes = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
