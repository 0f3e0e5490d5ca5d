/**
 * Hand-made tar members, byte by byte, for what no archiver can be asked to write: several PAX
 * headers for one member, a GNU long name next to a PAX path, a global header between them, any
 * magic, a ustar prefix, base-256 numbers. Not a test file itself.
 */
import { BLOCK, Field, padded, writeChecksum, writeOctal, writeString } from '../../../src/common/tar/tar-header.js';
import { paxRecord } from '../../../src/common/tar/raw-tar-entry.js';

export type Magic = 'gnu' | 'ustar' | 'star' | 'v7';

export interface CraftedHeader {
  name: string;
  /** One character: '0', '5', 'x', 'L', ... ('\0' for a legacy regular file). */
  type: string;
  mode?: number;
  uid?: number | bigint;
  gid?: number | bigint;
  /** The size field (a PAX `size` may say otherwise). */
  size?: number | bigint;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  magic?: Magic;
  /** The ustar prefix field (bytes 345-499: a GNU header keeps its access and change times there). */
  prefix?: string;
}

/** Base-256 encoding (as GNU tar and Go write numbers that do not fit in octal). */
export function base256(value: bigint, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = length - 1; i >= 0; i--, value >>= 8n) bytes[i] = Number(value & 0xffn);
  bytes[0] = (bytes[0] as number) | 0x80;
  return bytes;
}

/** A numeric field: octal when it fits (with a NUL), base-256 otherwise. */
function writeNumber(block: Buffer, field: readonly [number, number], value: number | bigint): void {
  const big = BigInt(value);
  if (big < 8n ** BigInt(field[1] - 1)) writeOctal(block, field, Number(big));
  else base256(big, field[1]).copy(block, field[0]);
}

/** One header block, its checksum computed. Names and strings are written as UTF-8 bytes. */
export function headerBlock(h: CraftedHeader): Buffer {
  const block = Buffer.alloc(BLOCK);
  const put = (field: readonly [number, number], text: string) => Buffer.from(text, 'utf8').copy(block, field[0], 0, field[1]);
  put(Field.name, h.name);
  writeOctal(block, Field.mode, h.mode ?? 0o644);
  writeNumber(block, Field.uid, h.uid ?? 1000);
  writeNumber(block, Field.gid, h.gid ?? 100);
  writeNumber(block, Field.size, h.size ?? 0);
  writeOctal(block, Field.mtime, h.mtime ?? 0o14000000000);
  block.write(h.type, Field.typeflag[0], 'latin1');
  put(Field.linkname, h.linkname ?? '');
  const magic = h.magic ?? 'ustar';
  if (magic === 'gnu') block.write('ustar  \0', Field.magic[0], 'latin1');
  if (magic === 'ustar' || magic === 'star') block.write('ustar\x0000', Field.magic[0], 'latin1');
  if (magic === 'star') block.write('tar\0', 508, 'latin1');
  if (magic !== 'v7') {
    writeString(block, Field.uname, h.uname ?? 'jovyan');
    writeString(block, Field.gname, h.gname ?? 'users');
  }
  if (h.prefix !== undefined) put(Field.prefix, h.prefix);
  writeChecksum(block);
  return block;
}

/** Data padded to whole blocks. */
export function blocks(data: Buffer | string): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([bytes, Buffer.alloc(padded(bytes.length) - bytes.length)]);
}

/** A member: its header block, then its data padded (the size field is the data's length unless given). */
export function entry(h: CraftedHeader, data: Buffer | string = ''): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([headerBlock({ size: bytes.length, ...h }), blocks(bytes)]);
}

/** A PAX header ('x', or 'g' for a global one) with these records, or with this raw data. */
export function pax(records: readonly (readonly [string, string])[] | Buffer, type: 'x' | 'g' = 'x', name = 'PaxHeaders.0/x'): Buffer {
  const data = Buffer.isBuffer(records) ? records : Buffer.concat(records.map(([key, value]) => paxRecord(key, Buffer.from(value, 'utf8'))));
  return entry({ name, type, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' }, data);
}

/** A GNU long name ('L') or long link name ('K') entry, NUL-terminated as GNU tar writes it. */
export function longName(type: 'L' | 'K', text: string): Buffer {
  return entry({ name: '././@LongLink', type, mode: 0o644, uid: 0, gid: 0, magic: 'gnu', uname: 'root', gname: 'root' }, `${text}\0`);
}

/** The end of an archive. */
export const END = Buffer.alloc(2 * BLOCK);
