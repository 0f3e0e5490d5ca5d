/**
 * Whole tar entries as bytes, for the entries this project writes itself (the source's upload and
 * direct write, the builder's extra layer): a ustar header, preceded by a PAX header when a path or
 * link is not short ASCII, an id or size does not fit in octal, or the entry has extended
 * attributes. Paths and PAX values may be bytes, not strings: a file name need not be UTF-8 (a
 * Latin-1 `é` is the one byte 0xE9) and an attribute such as security.capability is binary; both
 * must come back as they were read, and a writer that takes strings would re-encode them as UTF-8.
 * Such a path goes into PAX `path` as it is, as Go's archive/tar writes it (s2i, and the engine that
 * reads it). The reader takes the first member of a small archive, as the engine's archive endpoint
 * sends one file.
 */
import { APPLIED_PAX, paxRecordMap, readMember } from './member-reading.js';
import {
  BLOCK,
  checksumValid,
  Field,
  isZeroBlock,
  padded,
  parsePaxRecords,
  readHeader,
  readString,
  writeChecksum,
  writeOctal,
  writeString,
} from './tar-header.js';

export type EntryType = 'file' | 'directory' | 'link' | 'symlink';

/** An entry's header; `Name` is `string | Buffer` where names are read from disk as bytes (written as they are; a string as UTF-8). */
export interface TarEntryHeader<Name extends string | Buffer = string> {
  /** Relative to the archive's root, without a leading slash; a directory's may end with one. */
  path: Name;
  type: EntryType;
  /** Permission bits with set-uid, set-gid and sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch. */
  mtime: number;
  /** Data bytes (files only). */
  size: number;
  /** A hard link's target path, or a symlink's target (links only). */
  linkname?: Name;
  /** PAX records kept as bytes, such as [`SCHILY.xattr.security.capability`, <binary>]. */
  extra?: readonly (readonly [string, Buffer])[];
}

const TYPEFLAG: Record<EntryType, string> = { file: '0', directory: '5', link: '1', symlink: '2' };
const MAX_OCTAL_ID = 0o7777777;
const MAX_OCTAL_SIZE = 0o77777777777;

/** One `length key=value\n` record; the length counts its own digits. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length), 'latin1'), body]);
}

const SLASH = 0x2f;
const asBytes = (text: string | Buffer) => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
const printable = (byte: number) => byte >= 0x20 && byte <= 0x7e;
/** Fits a ustar field as it is: printable ASCII (so every reader agrees on it) and short enough. */
const fits = (bytes: Buffer, length: number) => bytes.length <= length && bytes.every(printable);

function ustarBlock(h: {
  name: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, Field.name, h.name);
  writeOctal(block, Field.mode, h.mode);
  writeOctal(block, Field.uid, h.uid);
  writeOctal(block, Field.gid, h.gid);
  writeOctal(block, Field.size, h.size);
  writeOctal(block, Field.mtime, h.mtime);
  block.write(h.typeflag, Field.typeflag[0], 'latin1');
  writeString(block, Field.linkname, h.linkname);
  block.write('ustar\x0000', Field.magic[0], 'latin1');
  writeString(block, Field.uname, h.uname);
  writeString(block, Field.gname, h.gname);
  writeChecksum(block);
  return block;
}

/** The header blocks of one entry (a PAX header first when needed); its data and padding follow. */
export function encodeHeader(entry: TarEntryHeader<string | Buffer>): Buffer {
  const path = asBytes(entry.path);
  const name = entry.type === 'directory' && path.at(-1) !== SLASH ? Buffer.concat([path, Buffer.from('/')]) : path;
  const linkname = asBytes(entry.linkname ?? '');
  const uname = asBytes(entry.uname);
  const gname = asBytes(entry.gname);
  const records: Buffer[] = [];
  if (!fits(name, 100)) records.push(paxRecord('path', name));
  if (!fits(linkname, 100)) records.push(paxRecord('linkpath', linkname));
  if (entry.uid > MAX_OCTAL_ID) records.push(paxRecord('uid', Buffer.from(String(entry.uid))));
  if (entry.gid > MAX_OCTAL_ID) records.push(paxRecord('gid', Buffer.from(String(entry.gid))));
  if (entry.size > MAX_OCTAL_SIZE) records.push(paxRecord('size', Buffer.from(String(entry.size))));
  const mtime = Math.max(0, Math.floor(entry.mtime));
  if (mtime > MAX_OCTAL_SIZE) records.push(paxRecord('mtime', Buffer.from(String(mtime))));
  if (!fits(uname, 32)) records.push(paxRecord('uname', uname));
  if (!fits(gname, 32)) records.push(paxRecord('gname', gname));
  for (const [key, value] of entry.extra ?? []) records.push(paxRecord(key, value));
  // The ustar fields hold only printable ASCII: as latin1 text they are their own bytes.
  const main = ustarBlock({
    name: fits(name, 100)
      ? name.toString('latin1')
      : Buffer.from(name.map((b) => (printable(b) ? b : 0x5f)))
          .toString('latin1')
          .slice(-100),
    typeflag: TYPEFLAG[entry.type],
    mode: entry.mode & 0o7777,
    uid: Math.min(entry.uid, MAX_OCTAL_ID),
    gid: Math.min(entry.gid, MAX_OCTAL_ID),
    size: entry.type === 'file' ? Math.min(entry.size, MAX_OCTAL_SIZE) : 0,
    mtime: Math.min(mtime, MAX_OCTAL_SIZE),
    linkname: fits(linkname, 100) ? linkname.toString('latin1') : '',
    uname: fits(uname, 32) ? uname.toString('latin1') : '',
    gname: fits(gname, 32) ? gname.toString('latin1') : '',
  });
  if (records.length === 0) return main;
  const data = Buffer.concat(records);
  const pax = ustarBlock({ name: 'PaxHeader', typeflag: 'x', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0, linkname: '', uname: '', gname: '' });
  return Buffer.concat([pax, data, Buffer.alloc(padded(data.length) - data.length), main]);
}

/** A whole entry: header blocks, data, padding. */
export function encodeEntry(entry: TarEntryHeader<string | Buffer>, data: Buffer = Buffer.alloc(0)): Buffer {
  if (entry.type === 'file' && data.length !== entry.size) throw new Error(`${entry.path}: ${data.length} data bytes for a size of ${entry.size}`);
  return Buffer.concat([encodeHeader(entry), data, Buffer.alloc(padded(data.length) - data.length)]);
}

/** The end of an archive: two zero blocks. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

export interface ReadEntry {
  header: Omit<TarEntryHeader, 'type'> & { type: EntryType | 'other' };
  data: Buffer;
}

const READ_TYPES: Record<string, ReadEntry['header']['type']> = { '0': 'file', '7': 'file', '5': 'directory', '1': 'link', '2': 'symlink' };

/**
 * The first member of an archive held in memory, read as Go reads it (member-reading.ts: the last
 * PAX header before it, GNU long names), with PAX records other than the ones it applies kept as
 * bytes in `extra`. Undefined for an empty archive; throws on a malformed one or on sparse members
 * (the engine's archive endpoint never writes those).
 */
export function readFirstEntry(archive: Buffer): ReadEntry | undefined {
  let at = 0;
  let pax = new Map<string, string>();
  let extra: [string, Buffer][] = [];
  let longName = '';
  let longLink = '';
  while (at + BLOCK <= archive.length) {
    const block = archive.subarray(at, at + BLOCK);
    if (isZeroBlock(block)) return undefined;
    if (!checksumValid(block)) throw new Error(`invalid tar header checksum at byte ${at}`);
    const raw = readHeader(block);
    const dataAt = at + BLOCK;
    if (['x', 'g', 'L', 'K'].includes(raw.typeflag)) {
      if (dataAt + raw.size > archive.length) throw new Error(`tar entry at byte ${at} runs past the end of the archive`);
      const data = archive.subarray(dataAt, dataAt + raw.size);
      at = dataAt + padded(raw.size);
      if (raw.typeflag === 'L') longName = readString(data);
      else if (raw.typeflag === 'K') longLink = readString(data);
      else if (raw.typeflag === 'g') [pax, extra, longName, longLink] = [new Map(), [], '', ''];
      else {
        // Go keeps only the last PAX header's records.
        const records = parsePaxRecords(data);
        pax = paxRecordMap(records);
        const kept = new Map<string, Buffer>();
        for (const r of records) if (!APPLIED_PAX.has(r.key)) kept.set(r.key, Buffer.from(data.subarray(r.valueOffset, r.valueOffset + r.valueLength)));
        extra = [...kept];
      }
      continue;
    }
    const member = readMember(block, raw, { pax, longName, longLink });
    if (member.sparse) throw new Error('sparse tar members are not read here');
    const size = member.dataSize;
    if (dataAt + size > archive.length) throw new Error(`tar entry at byte ${at} runs past the end of the archive`);
    const type = READ_TYPES[member.typeflag] ?? 'other';
    return {
      header: {
        path: member.name,
        type,
        mode: member.mode & 0o7777,
        uid: member.uid,
        gid: member.gid,
        uname: member.uname,
        gname: member.gname,
        mtime: member.mtime,
        size,
        linkname: member.linkname,
        extra,
      },
      data: type === 'file' ? Buffer.from(archive.subarray(dataAt, dataAt + size)) : Buffer.alloc(0),
    };
  }
  if (at < archive.length) throw new Error('the archive ends inside a header block');
  return undefined;
}
