/**
 * What Go's archive/tar makes of one archive member: the Docker engine and containerd apply image
 * layers through it, so a member means what Reader.Next returns for it, and the layer rewriter
 * decides by this reading, never by its own. Next's rules (reader.go):
 * - of the PAX `x` headers before a member only the last counts: each one replaces the records of
 *   the one before whole (its size, path, owner...); a record with an empty value leaves the header
 *   field as it is;
 * - a GNU long name or link name (`L`, `K`; the last of each) wins over the PAX path or link path,
 *   unless it is empty;
 * - a `g` global header is returned as a header of its own, named by its own `path`; the metadata
 *   entries before it are dropped, and its records apply to nothing after it;
 * - a legacy regular file (type NUL) whose name ends in `/` is a directory, judged on the name before
 *   any sparse name;
 * - `GNU.sparse.name` renames the member only when its records make it a PAX sparse file (versions
 *   0.0, 0.1 and 1.0, or a sparse map without a version), and never an old GNU sparse ('S') member;
 * - links, symbolic links, devices, directories and FIFOs carry no data whatever their size says;
 *   a PAX `size` gives the data's size for all other types.
 * What Go refuses (an unreadable number, a negative size of a file, sparse records on a directory,
 * an old GNU sparse header outside GNU format) is an error here, as it is for the engine: no layer it
 * has applied holds such a member.
 */
import type { PaxRecord, RawHeader } from './tar-header.js';
import { Field, goParseNumeric } from './tar-header.js';

/** A member Go refuses to read (its ErrHeader). */
export class TarReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarReadError';
  }
}

/** The metadata entries before a member, as Go keeps them for it. */
export interface MemberMeta {
  /** The last `x` header's records (paxRecordMap); empty when there was none. */
  pax: ReadonlyMap<string, string>;
  /** The last GNU long name and long link name, '' when none. */
  longName: string;
  longLink: string;
}

/** A member as Go's Reader.Next returns it. */
export interface MemberReading {
  name: string;
  linkname: string;
  /** A legacy NUL type reads as '0', or '5' for a directory. */
  typeflag: string;
  /** The whole mode field (permission bits, set-id bits, any file-type bits a writer put there). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch. */
  mtime: number;
  /** The size Go gives: the PAX `size` or the header's, a sparse file's real size. */
  size: number;
  /** The data bytes that follow the header (and a GNU sparse header's extension blocks). */
  dataSize: number;
  /** A sparse file's format: its data is a map and regions, not its content. */
  sparse?: 'gnu' | 'pax';
}

/** PAX keys Go applies to header fields; any other record (an xattr, say) is kept as bytes where a file is written again. */
export const APPLIED_PAX = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime', 'atime', 'ctime']);

/** Links, symbolic links, devices, directories and FIFOs (Go's isHeaderOnlyType). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

const int64 = (value: bigint) => value >= -(2n ** 63n) && value < 2n ** 63n;

/** Go's strconv.ParseInt(text, 10, 64): an optional sign and decimal digits; undefined where Go fails. */
function goParseInt(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return int64(value) ? value : undefined;
}

/** Go's parsePAXTime: seconds, then optionally a dot and digits; undefined where Go fails. */
function goPaxSeconds(text: string): number | undefined {
  const dot = text.indexOf('.');
  const seconds = goParseInt(dot === -1 ? text : text.slice(0, dot));
  if (seconds === undefined || (dot !== -1 && !/^[0-9]*$/.test(text.slice(dot + 1)))) return undefined;
  // Go keeps nine digits of the fraction; a negative time with one is before its whole seconds.
  const fraction = dot !== -1 && /[1-9]/.test(text.slice(dot + 1, dot + 10));
  return Number(seconds) - (fraction && text.startsWith('-') ? 1 : 0);
}

/**
 * The records one PAX header leaves for the next member (Go's parsePAX): the last value of a key
 * wins, and GNU sparse 0.0 offset/numbytes pairs (which must alternate, offset first) become one
 * GNU.sparse.map record.
 */
export function paxRecordMap(records: readonly PaxRecord[]): Map<string, string> {
  const map = new Map<string, string>();
  const sparseMap: string[] = [];
  for (const { key, value } of records) {
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      const expected = sparseMap.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes';
      if (key !== expected || value.includes(',')) throw new TarReadError(`PAX record ${key} out of order`);
      sparseMap.push(value);
    } else {
      map.set(key, value);
    }
  }
  if (sparseMap.length > 0) map.set('GNU.sparse.map', sparseMap.join(','));
  return map;
}

/** A record's value where Go applies it: an empty one counts as absent. */
const applied = (pax: ReadonlyMap<string, string>, key: string) => pax.get(key) || undefined;

/** A number record Go applies, checked as Go parses it; beyond 2^53 (which Go reads) it is refused here. */
function paxInteger(pax: ReadonlyMap<string, string>, key: string, fallback: number): number {
  const text = applied(pax, key);
  if (text === undefined) return fallback;
  const value = goParseInt(text);
  if (value === undefined) throw new TarReadError(`invalid PAX ${key} ${JSON.stringify(text)}`);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new TarReadError(`PAX ${key} ${text} out of range`);
  return Number(value);
}

/** The time records Go applies (mtime, atime, ctime), each checked as Go parses it; the mtime in seconds. */
function paxMtime(pax: ReadonlyMap<string, string>, fallback: number): number {
  let mtime = fallback;
  for (const key of ['atime', 'ctime', 'mtime']) {
    const text = applied(pax, key);
    if (text === undefined) continue;
    const seconds = goPaxSeconds(text);
    if (seconds === undefined) throw new TarReadError(`invalid PAX ${key} ${JSON.stringify(text)}`);
    if (key === 'mtime') mtime = seconds;
  }
  return mtime;
}

/** Whether the records make a PAX sparse file (Go's readGNUSparsePAXHeaders). */
function paxSparse(pax: ReadonlyMap<string, string>): boolean {
  const major = pax.get('GNU.sparse.major') ?? '';
  const minor = pax.get('GNU.sparse.minor') ?? '';
  if (major === '0' && (minor === '0' || minor === '1')) return true;
  if (major === '1' && minor === '0') return true;
  if (major !== '' || minor !== '') return false;
  return applied(pax, 'GNU.sparse.map') !== undefined;
}

/** A member's header block and raw header read with the metadata before it; throws TarReadError where Go fails. */
export function readMember(block: Buffer, raw: RawHeader, meta: MemberMeta): MemberReading {
  const { pax } = meta;
  let name = meta.longName || applied(pax, 'path') || raw.name;
  const linkname = meta.longLink || applied(pax, 'linkpath') || raw.linkname;
  const typeflag = raw.typeflag === '\0' ? (name.endsWith('/') ? '5' : '0') : raw.typeflag;
  const uid = paxInteger(pax, 'uid', raw.uid);
  const gid = paxInteger(pax, 'gid', raw.gid);
  const size = paxInteger(pax, 'size', raw.size);
  const mtime = paxMtime(pax, raw.mtime);
  const headerOnly = HEADER_ONLY.has(typeflag);
  if (size < 0 && !headerOnly) throw new TarReadError(`negative size ${size}`);
  const reading: MemberReading = {
    name,
    linkname,
    typeflag,
    mode: raw.mode,
    uid,
    gid,
    uname: applied(pax, 'uname') ?? raw.uname,
    gname: applied(pax, 'gname') ?? raw.gname,
    mtime,
    size,
    dataSize: headerOnly ? 0 : size,
  };
  if (typeflag === 'S') {
    if (raw.format !== 'gnu') throw new TarReadError('an old GNU sparse header outside GNU format');
    const realSize = goParseNumeric(block.subarray(Field.gnuRealSize[0], Field.gnuRealSize[0] + Field.gnuRealSize[1]));
    if (realSize === undefined || realSize < 0n) throw new TarReadError('invalid real size of an old GNU sparse file');
    return { ...reading, size: Number(realSize), sparse: 'gnu' };
  }
  if (!paxSparse(pax)) return reading;
  if (headerOnly) throw new TarReadError(`sparse file records on a header of type ${JSON.stringify(typeflag)}`);
  name = applied(pax, 'GNU.sparse.name') ?? name;
  const realSize = paxInteger(pax, applied(pax, 'GNU.sparse.size') !== undefined ? 'GNU.sparse.size' : 'GNU.sparse.realsize', size);
  if (realSize < 0) throw new TarReadError(`negative sparse file size ${realSize}`);
  return { ...reading, name, size: realSize, sparse: 'pax' };
}

/**
 * A `g` global header as Go returns it (a header of its own, which the engine treats as a name it
 * removes or whites out): named by its `path` record, nothing else; its data (its records) is
 * metadata, and reading the header gives none.
 */
export function readGlobalHeader(raw: RawHeader, pax: ReadonlyMap<string, string>): MemberReading {
  // Go applies the records in map order and stops at the first it cannot parse, so an invalid number
  // would make the name depend on that order: such a header is refused.
  paxInteger(pax, 'uid', 0);
  paxInteger(pax, 'gid', 0);
  paxInteger(pax, 'size', 0);
  paxMtime(pax, 0);
  const name = applied(pax, 'path') ?? raw.name;
  return { name, linkname: '', typeflag: 'g', mode: 0, uid: 0, gid: 0, uname: '', gname: '', mtime: 0, size: 0, dataSize: 0 };
}
