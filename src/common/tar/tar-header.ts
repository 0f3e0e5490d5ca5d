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
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
  /** GNU format: a sparse file's real size. */
  gnuRealSize: [483, 12],
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
 * A numeric field exactly as Go's archive/tar parses it, or undefined where Go fails: octal text, or
 * base-256 (high bit of the first byte set: the rest is a big-endian two's complement number, as GNU
 * tar and Go write ids and sizes that do not fit in octal, and negative times).
 */
export function goParseNumeric(bytes: Buffer): bigint | undefined {
  if (bytes.length === 0 || ((bytes[0] as number) & 0x80) === 0) return goParseOctal(bytes);
  const invert = (bytes[0] as number) & 0x40 ? 0xff : 0;
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const byte = ((bytes[i] as number) ^ invert) & (i === 0 ? 0x7f : 0xff);
    if (value >> 56n > 0n) return undefined;
    value = (value << 8n) | BigInt(byte);
  }
  if (value >> 63n > 0n) return undefined;
  return invert ? -value - 1n : value;
}

/** Go's parseOctal: spaces and NULs trimmed at both ends, the rest read up to its first NUL, 64 bits at most. */
function goParseOctal(bytes: Buffer): bigint | undefined {
  let start = 0;
  let end = bytes.length;
  const padding = (byte: number | undefined) => byte === 0x20 || byte === 0;
  while (start < end && padding(bytes[start])) start++;
  while (end > start && padding(bytes[end - 1])) end--;
  if (start === end) return 0n;
  const nul = bytes.indexOf(0, start);
  const text = bytes.toString('latin1', start, nul !== -1 && nul < end ? nul : end);
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = BigInt(`0o${text}`);
  return value < 2n ** 64n ? value : undefined;
}

/**
 * A numeric field as Go reads it, where a header's meaning depends on it (mode, owner, size): a
 * number Go cannot read throws, and so does a negative one or one beyond 2^53, which no real layer
 * holds and which this project does not follow.
 */
export function parseNumeric(bytes: Buffer): number {
  const value = goParseNumeric(bytes);
  if (value === undefined) throw new Error(`invalid octal or base-256 number ${JSON.stringify(bytes.toString('latin1'))}`);
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`number ${value} out of range`);
  return Number(value);
}

/** parseNumeric for a field nothing depends on (a time): what cannot be read, or a negative time, gives `fallback`. */
export function parseNumericOr(bytes: Buffer, fallback: number): number {
  try {
    return parseNumeric(bytes);
  } catch {
    return fallback;
  }
}

/** A time field (seconds, negative before 1970) as Go reads it; throws where Go fails. */
function parseTime(bytes: Buffer): number {
  const value = goParseNumeric(bytes);
  if (value === undefined) throw new Error(`invalid time ${JSON.stringify(bytes.toString('latin1'))}`);
  return Number(value);
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

/** Whether the stored checksum (octal only, as Go reads it) is one of the two sums. */
export function checksumValid(block: Buffer): boolean {
  const stored = goParseOctal(field(block, Field.chksum));
  const { unsigned, signed } = checksums(block);
  return stored === BigInt(unsigned) || stored === BigInt(signed);
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

/**
 * The ustar prefix of the name, where Go reads one: in ustar headers (155 bytes), star headers (131),
 * and in a GNU header whose access or change time (kept where ustar has its prefix) does not parse
 * while that field reads as ASCII text: Go takes it for a prefix written by Go before 1.8, so a
 * header can put a name in a tree that GNU tar reads elsewhere.
 */
function namePrefix(block: Buffer, format: HeaderFormat): string {
  if (format === 'ustar') return readString(field(block, Field.prefix));
  if (format === 'star') return readString(block.subarray(345, 345 + 131));
  if (format !== 'gnu') return '';
  const unreadable = (time: Buffer) => time[0] !== 0 && goParseNumeric(time) === undefined;
  if (!unreadable(block.subarray(345, 357)) && !unreadable(block.subarray(357, 369))) return '';
  const prefix = field(block, Field.prefix);
  const end = prefix.indexOf(0);
  const text = prefix.subarray(0, end === -1 ? prefix.length : end);
  return text.every((byte) => byte < 0x80) ? text.toString('latin1') : '';
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
  const prefix = namePrefix(block, format);
  if (prefix) name = `${prefix}/${name}`;
  // Fields Go reads (and fails on) without anything here depending on their values.
  const checked: (readonly [number, number])[] = format === 'v7' ? [] : [Field.devmajor, Field.devminor];
  if (format === 'star') checked.push([476, 12], [488, 12]);
  for (const [offset, length] of checked) {
    if (goParseNumeric(block.subarray(offset, offset + length)) === undefined) throw new Error(`invalid number at byte ${offset} of the header`);
  }
  return {
    format,
    typeflag: String.fromCharCode(block[156] as number),
    name,
    linkname: readString(field(block, Field.linkname)),
    mode: parseNumeric(field(block, Field.mode)),
    uid: parseNumeric(field(block, Field.uid)),
    gid: parseNumeric(field(block, Field.gid)),
    size: parseNumeric(field(block, Field.size)),
    mtime: parseTime(field(block, Field.mtime)),
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

/**
 * Parses PAX extended header data as Go does: the records fill the data exactly (a NUL where a
 * record should start is an error, not padding); a length counts its own digits; a key is not empty;
 * a path, link path, user or group name holds no NUL, nor does any other key.
 */
export function parsePaxRecords(data: Buffer): PaxRecord[] {
  const records: PaxRecord[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) throw new Error('PAX record without a length');
    const lengthText = data.toString('latin1', at, space);
    if (!/^[+-]?[0-9]+$/.test(lengthText)) throw new Error(`PAX record with an invalid length ${JSON.stringify(lengthText)}`);
    const length = Number(lengthText);
    const end = at + length;
    if (length < 5 || length > data.length - at || end <= space + 1 || data[end - 1] !== 0x0a) throw new Error('PAX record with a wrong length');
    const equals = data.indexOf(0x3d, space + 1);
    if (equals === -1 || equals >= end - 1) throw new Error('PAX record without "="');
    const key = data.toString('utf8', space + 1, equals);
    const value = data.subarray(equals + 1, end - 1);
    if (key === '') throw new Error('PAX record with an empty key');
    if (['path', 'linkpath', 'uname', 'gname'].includes(key) ? value.includes(0) : key.includes('\0')) throw new Error(`PAX record ${key} with a NUL`);
    records.push({ key, value: value.toString('utf8'), valueOffset: equals + 1, valueLength: value.length });
    at = end;
  }
  return records;
}
