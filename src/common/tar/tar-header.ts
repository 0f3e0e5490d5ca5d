/**
 * Raw tar header blocks (ustar, GNU and PAX as Go's archive/tar and GNU tar write them), read and
 * patched in place: numeric fields in octal or base-256, the checksum, the name/prefix split, PAX
 * records with the byte position of each value. Nothing here re-serialises a header: a field is
 * only ever overwritten where it is, so every other byte stays as the writer made it.
 */

export const BLOCK = 512;

/** Byte offsets and lengths of the header fields this project reads or writes. */
export const Field = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 8],
  uname: [265, 32],
  gname: [297, 32],
  prefix: [345, 155],
  /** GNU format: a sparse header is followed by extension blocks when this byte is set. */
  gnuIsExtended: [482, 1],
  /** In a GNU sparse extension block: another block follows when this byte is set. */
  gnuExtIsExtended: [504, 1],
} as const satisfies Record<string, readonly [number, number]>;

export type HeaderFormat = 'v7' | 'ustar' | 'star' | 'gnu';

const field = (block: Buffer, [offset, length]: readonly [number, number]) => block.subarray(offset, offset + length);

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Rounds a data size up to whole blocks. */
export const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/**
 * A numeric field: octal text (leading/trailing spaces and NULs ignored, empty is 0) or base-256
 * (high bit of the first byte set: the rest of the field is a big-endian two's complement number,
 * as GNU tar and Go write ids and sizes that do not fit in octal). Throws on anything else or on a
 * value that is negative or beyond 2^53.
 */
export function parseNumeric(bytes: Buffer): number {
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) {
    const negative = ((bytes[0] as number) & 0x40) !== 0;
    if (negative) throw new Error('negative base-256 number');
    let value = BigInt((bytes[0] as number) & 0x7f);
    for (let i = 1; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i] as number);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('base-256 number too large');
    return Number(value);
  }
  const text = bytes.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`invalid octal number ${JSON.stringify(text)}`);
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw new Error('octal number too large');
  return value;
}

/** parseNumeric for fields nothing depends on (owner, time): what cannot be read (a negative time) gives `fallback`. */
export function parseNumericOr(bytes: Buffer, fallback: number): number {
  try {
    return parseNumeric(bytes);
  } catch {
    return fallback;
  }
}

/** Writes `value` as zero-padded octal digits filling the field but its last byte, which is NUL (as Go does). */
export function writeOctal(block: Buffer, [offset, length]: readonly [number, number], value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`${value} does not fit in a ${length}-byte octal field`);
  block.write(digits.padStart(length - 1, '0'), offset, 'latin1');
  block[offset + length - 1] = 0;
}

/** A NUL-terminated string field (the whole field when it has no NUL). */
export function readString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

/** Overwrites a string field: the text, then NULs to the end of the field. */
export function writeString(block: Buffer, [offset, length]: readonly [number, number], text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new Error(`${JSON.stringify(text)} does not fit in a ${length}-byte field`);
  block.fill(0, offset, offset + length);
  bytes.copy(block, offset);
}

/** The two sums tar readers accept: bytes as unsigned and as signed, the checksum field counted as spaces. */
export function checksums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte < 0x80 ? byte : byte - 0x100;
  }
  return { unsigned, signed };
}

export function checksumValid(block: Buffer): boolean {
  let stored: number;
  try {
    stored = parseNumeric(field(block, Field.chksum));
  } catch {
    return false;
  }
  const { unsigned, signed } = checksums(block);
  return stored === unsigned || stored === signed;
}

/** Recomputes the checksum after a change: six octal digits, NUL, space (as Go and GNU tar write it). */
export function writeChecksum(block: Buffer): void {
  const digits = checksums(block).unsigned.toString(8).padStart(6, '0');
  block.write(digits, 148, 'latin1');
  block[154] = 0;
  block[155] = 0x20;
}

export function headerFormat(block: Buffer): HeaderFormat {
  const magic = field(block, Field.magic).toString('latin1');
  if (magic === 'ustar  \0') return 'gnu';
  if (magic.startsWith('ustar\0')) return block.toString('latin1', 508, 512) === 'tar\0' ? 'star' : 'ustar';
  return 'v7';
}

/** What a header block says by itself, before PAX or GNU long-name entries are applied. */
export interface RawHeader {
  format: HeaderFormat;
  typeflag: string;
  /** name, with the ustar prefix when the format has one. */
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  /** The size field: the number of data bytes that follow (before any PAX `size` override). */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Empty in v7 headers, which have no such field. */
  uname: string;
  /** Empty in v7 headers, which have no such field. */
  gname: string;
}

export function readHeader(block: Buffer): RawHeader {
  const format = headerFormat(block);
  let name = readString(field(block, Field.name));
  if (format === 'ustar' || format === 'star') {
    const prefix = readString(block.subarray(345, format === 'star' ? 345 + 131 : 345 + 155));
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    format,
    typeflag: String.fromCharCode(block[156] as number),
    name,
    linkname: readString(field(block, Field.linkname)),
    mode: parseNumeric(field(block, Field.mode)),
    uid: parseNumericOr(field(block, Field.uid), 0),
    gid: parseNumeric(field(block, Field.gid)),
    size: parseNumeric(field(block, Field.size)),
    mtime: parseNumericOr(field(block, Field.mtime), 0),
    uname: format === 'v7' ? '' : readString(field(block, Field.uname)),
    gname: format === 'v7' ? '' : readString(field(block, Field.gname)),
  };
}

/** One `length key=value\n` record of a PAX extended header, with where its value sits in the data. */
export interface PaxRecord {
  key: string;
  value: string;
  valueOffset: number;
  valueLength: number;
}

/** Parses PAX extended header data (the records end where the data or its NUL padding starts). */
export function parsePaxRecords(data: Buffer): PaxRecord[] {
  const records: PaxRecord[] = [];
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    const space = data.indexOf(0x20, at);
    if (space === -1 || space - at > 20) throw new Error('PAX record without a length');
    const lengthText = data.toString('latin1', at, space);
    if (!/^[0-9]+$/.test(lengthText)) throw new Error(`PAX record with an invalid length ${JSON.stringify(lengthText)}`);
    const length = Number(lengthText);
    const end = at + length;
    if (length <= space - at + 1 || end > data.length || data[end - 1] !== 0x0a) throw new Error('PAX record with a wrong length');
    const equals = data.indexOf(0x3d, space + 1);
    if (equals === -1 || equals >= end) throw new Error('PAX record without "="');
    records.push({
      key: data.toString('utf8', space + 1, equals),
      value: data.toString('utf8', equals + 1, end - 1),
      valueOffset: equals + 1,
      valueLength: end - 1 - (equals + 1),
    });
    at = end;
  }
  return records;
}
