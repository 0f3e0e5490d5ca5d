/**
 * Rewrites the tar headers of one image layer (an uncompressed layer.tar from the engine's image
 * export) so a builder needs no `chgrp -R`/`chmod -R` layer that copies every file: entries under
 * the given trees become group 0 with the group bits copied from the user bits (directories also
 * set-group-ID; symbolic links get group 0 only, as `chgrp -R` gives them), and lose set-uid and
 * set-gid bits. Only header fields change (mode, gid, gname, the checksum, and the digits of a PAX
 * `gid` value, zeroed in place), so the output has exactly the input's length, file contents are
 * streamed through untouched, and a layer with nothing under the trees comes out byte-identical:
 * same diff id, so the engine's load keeps the layer it already has instead of registering a copy.
 * Entry data is never buffered; only metadata entries (PAX 'x', GNU long names 'L'/'K') are held
 * until the header they describe, up to a cap.
 *
 * The rules that reach beyond the trees (no set-uid/set-gid file anywhere, a group-writable
 * /etc/passwd) are not applied here, which would change the base's bottom layers: the rewriter
 * reports the names they concern (`findings`), and the builder's extra layer fixes those that
 * are still there in the final file system (see outside-tree-fixes.ts).
 *
 * Every member is read as Go's archive/tar (the engine's reader) reads it (member-reading.ts): the
 * last PAX header before it, GNU long names, sparse names, data sizes, a global header's own name.
 * A member Go would refuse, or one this rewriter does not follow, stops the rewrite (LayerTarError).
 * For tests, each member's reading is emitted as a 'member' event when its data starts.
 */
import { posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
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
  type PaxRecord,
  type RawHeader,
} from '../../common/tar/tar-header.js';
import { LinkGroups } from './link-groups.js';
import { APPLIED_PAX, paxRecordMap, readGlobalHeader, readMember, TarReadError, type MemberReading } from '../../common/tar/member-reading.js';
import type { TarEntryHeader } from '../../common/tar/raw-tar-entry.js';

export interface LayerRules {
  /** Absolute, normalised, symlink-free paths (no trailing slash) of the trees made group-0 writable, e.g. ['/home/jovyan', '/opt/conda']. */
  trees: readonly string[];
}

/** A directory's owner, mode and time as its header gives them. */
export interface DirHeader {
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
}

/** A file as a layer has it: header (with raw PAX records such as xattrs) and content. */
export interface CapturedFile {
  header: TarEntryHeader;
  data: Buffer;
}

/** What a layer says about names outside the trees, for the fixes made in the builder's extra layer. */
export interface LayerFindings {
  /**
   * Absolute names outside the trees of files that were set-uid or set-gid as this layer left them
   * (every name of such a hard-linked file), and /etc/passwd if the layer has it.
   */
  candidates: string[];
  /** Directories outside the trees, with their headers (a later layer's entry wins). */
  dirs: Map<string, DirHeader>;
  /** Candidates that are plain regular files of this layer (not hard-linked), as the layer has them, within the capture budget. */
  captured: Map<string, CapturedFile>;
  /**
   * Whether the layer has an entry other than a directory, or a whiteout, at this absolute path
   * outside the trees. May say yes wrongly (it keeps hashes), never no wrongly.
   */
  mayTouch(path: string): boolean;
}

/** Bytes of file content the rewriters of one image may capture, shared between them. */
export interface CaptureBudget {
  bytes: number;
}

/** FNV-1a over UTF-16 code units: a path's 32-bit hash. */
function pathHash(path: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export interface LayerRewriteStats {
  /** Archive members (metadata entries such as PAX headers and GNU long names not counted). */
  entries: number;
  /** Members whose header (or PAX gid record) was changed. */
  rewritten: number;
  /** Files, hard links and sparse files in the trees that lost a set-uid or set-gid bit. */
  setIdCleared: number;
}

/** The most tar metadata (PAX and GNU long-name entries, their header blocks included) held for one member until its header. */
export const MAX_MEMBER_METADATA_BYTES = 1024 * 1024;

/** The layer is not a tar archive this rewriter can read; `offset` is where the offending entry starts. */
export class LayerTarError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (layer tar entry at byte offset ${offset})`);
    this.name = 'LayerTarError';
  }
}

/** Regular file, hard link, contiguous file, GNU sparse file: what the file rules apply to. */
const FILE_TYPES = new Set(['0', '1', '7', 'S']);
/** What the group-0 rule applies to under a tree's name: files, directories, symbolic links (a hard link goes by its target). */
const TREE_RULE_TYPES = new Set([...FILE_TYPES, '5', '2']);

/** A mode in a tree: the group bits copied from the user bits, and a directory set-group-ID. */
function groupWritableMode(mode: number, type: string): number {
  const withGroup = mode | (((mode >> 6) & 0o7) << 3);
  return type === '5' ? withGroup | 0o2000 : withGroup;
}

/** An archive path (`./opt/conda/`, `opt/conda`) as an absolute path without trailing slash. */
export function normaliseEntryPath(name: string): string {
  const path = posix.normalize(`/${name}`);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** A member as the rewriter read it (as Go reads it), where it starts and where its data starts in the layer. */
export interface ReadMember extends MemberReading {
  /** The member's first header (its first metadata entry's, if any). */
  offset: number;
  dataOffset: number;
}

export function layerRewriter(
  rules: LayerRules,
  budget: CaptureBudget = { bytes: 0 },
): Transform & { readonly stats: LayerRewriteStats; findings(): LayerFindings; on(event: 'member', listener: (member: ReadMember) => void): unknown } {
  return new LayerRewriter(rules, budget);
}

/** A metadata entry being read: its header block and its data so far. */
interface MetaEntry {
  type: 'x' | 'g' | 'L' | 'K';
  header: Buffer;
  raw: RawHeader;
  chunks: Buffer[];
}

class LayerRewriter extends Transform {
  readonly stats: LayerRewriteStats = { entries: 0, rewritten: 0, setIdCleared: 0 };
  private readonly trees: string[];

  /** 'zero': after the first zero block, where only a second one (or the end) may come. */
  private state: 'header' | 'data' | 'meta' | 'sparse-ext' | 'zero' | 'trailer' = 'header';
  /** A header or sparse extension block being assembled across chunks. */
  private readonly block = Buffer.alloc(BLOCK);
  private filled = 0;
  /** Bytes left in the current data ('data') or metadata ('meta') section, padding included. */
  private remaining = 0;
  /** Data bytes (padded) of a GNU sparse entry, streamed once its extension blocks are through. */
  private dataAfterExtensions = 0;
  /** Input bytes consumed so far. */
  private offset = 0;
  /** Where the current entry (its first metadata header, if any) starts. */
  private entryOffset = 0;

  /* Metadata for the next member, held until its header is read. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private meta: MetaEntry | undefined;
  /** The last PAX header's records: Go forgets an earlier one's when the next comes. */
  private pax: ReadonlyMap<string, string> = new Map();
  private paxGids: { data: Buffer; offset: number; length: number }[] = [];
  private longName: string | undefined;
  private longLink: string | undefined;

  /* Findings outside the trees. */
  private readonly setIdNames = new Set<string>();
  private readonly links = new LinkGroups();
  private readonly passwd = new Set<string>();
  private readonly dirs = new Map<string, DirHeader>();
  private readonly captured = new Map<string, CapturedFile>();
  private readonly touched = new Set<number>();
  private paxRaw: [string, Buffer][] = [];
  /** The member whose data comes next, reported when it starts. */
  private reading: (MemberReading & { offset: number }) | undefined;
  /** The file whose content is being captured, and how many of its bytes are still to come. */
  private capture: { path: string; header: TarEntryHeader; chunks: Buffer[]; left: number } | undefined;

  constructor(
    rules: LayerRules,
    private readonly budget: CaptureBudget,
  ) {
    super();
    this.trees = rules.trees.map((tree) => {
      if (!tree.startsWith('/')) throw new Error(`layerRewriter: tree ${JSON.stringify(tree)} is not an absolute path`);
      return normaliseEntryPath(tree);
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    const clean = this.state === 'trailer' || (this.filled === 0 && (this.state === 'zero' || (this.state === 'header' && this.pending.length === 0)));
    if (clean) callback();
    else callback(new LayerTarError(`layer tar ends in the middle of an entry at byte ${this.offset}`, this.entryOffset));
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const available = chunk.length - at;
      switch (this.state) {
        case 'trailer':
          this.push(chunk.subarray(at));
          this.offset += available;
          at = chunk.length;
          break;
        case 'data': {
          const n = Math.min(this.remaining, available);
          const data = chunk.subarray(at, at + n);
          this.push(data);
          if (this.capture) this.captureData(data);
          at += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'header';
          break;
        }
        case 'meta': {
          const meta = this.meta as MetaEntry;
          const n = Math.min(this.remaining, available);
          meta.chunks.push(Buffer.from(chunk.subarray(at, at + n)));
          at += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.endMeta(meta);
          break;
        }
        case 'header':
        case 'zero':
        case 'sparse-ext': {
          const n = Math.min(BLOCK - this.filled, available);
          chunk.copy(this.block, this.filled, at, at + n);
          at += n;
          this.offset += n;
          this.filled += n;
          if (this.filled === BLOCK) {
            this.filled = 0;
            const block = Buffer.from(this.block);
            if (this.state === 'header') this.onHeader(block);
            else if (this.state === 'zero') this.onSecondZeroBlock(block);
            else this.onSparseExtension(block);
          }
          break;
        }
      }
    }
  }

  private onHeader(block: Buffer): void {
    const offset = this.offset - BLOCK;
    if (this.pending.length === 0) this.entryOffset = offset;
    if (isZeroBlock(block)) {
      this.flushPending();
      this.push(block);
      this.state = 'zero';
      return;
    }
    if (!checksumValid(block)) throw new LayerTarError('invalid tar header checksum', offset);
    let raw: RawHeader;
    try {
      raw = readHeader(block);
    } catch (error) {
      throw new LayerTarError(`invalid tar header: ${(error as Error).message}`, offset);
    }
    const type = raw.typeflag;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      this.pendingBytes += BLOCK + padded(raw.size);
      if (this.pendingBytes > MAX_MEMBER_METADATA_BYTES) {
        throw new LayerTarError(`tar metadata (PAX or GNU long-name entries) larger than ${MAX_MEMBER_METADATA_BYTES} bytes`, this.entryOffset);
      }
      const meta: MetaEntry = { type, header: block, raw, chunks: [] };
      this.meta = meta;
      this.remaining = padded(raw.size);
      if (this.remaining === 0) this.endMeta(meta);
      else this.state = 'meta';
      return;
    }
    this.onMember(block, raw, offset);
  }

  /** After a zero block Go reads one more: another zero block ends the archive, anything else is an error. */
  private onSecondZeroBlock(block: Buffer): void {
    if (!isZeroBlock(block)) throw new LayerTarError('a header after a zero block', this.offset - BLOCK);
    // End of archive: whatever follows goes through as it is, unread (as Go leaves it).
    this.push(block);
    this.state = 'trailer';
  }

  private endMeta(meta: MetaEntry): void {
    const data = Buffer.concat(meta.chunks);
    const payload = data.subarray(0, meta.raw.size);
    this.pending.push(meta.header, data);
    this.meta = undefined;
    this.state = 'header';
    if (meta.type === 'x') this.onPaxHeader(data, this.paxRecords(payload));
    else if (meta.type === 'g') this.onGlobalHeader(meta.raw, this.paxRecords(payload));
    else if (meta.type === 'L') this.longName = readString(payload);
    else this.longLink = readString(payload);
  }

  private paxRecords(payload: Buffer): { records: PaxRecord[]; map: Map<string, string> } {
    try {
      const records = parsePaxRecords(payload);
      return { records, map: paxRecordMap(records) };
    } catch (error) {
      throw new LayerTarError(`invalid PAX header: ${(error as Error).message}`, this.entryOffset);
    }
  }

  /** A PAX header replaces whatever an earlier one said about the next member (as in Go). */
  private onPaxHeader(data: Buffer, { records, map }: { records: PaxRecord[]; map: Map<string, string> }): void {
    this.pax = map;
    const raw = new Map<string, Buffer>();
    this.paxGids = [];
    for (const record of records) {
      if (!APPLIED_PAX.has(record.key)) raw.set(record.key, Buffer.from(data.subarray(record.valueOffset, record.valueOffset + record.valueLength)));
      if (record.key === 'gid') this.paxGids.push({ data, offset: record.valueOffset, length: record.valueLength });
    }
    this.paxRaw = [...raw];
  }

  /**
   * A global header: Go returns it as a header of its own and forgets the metadata before it; the
   * engine removes what is at its name (or whites out what that names) and writes nothing there.
   */
  private onGlobalHeader(raw: RawHeader, { map }: { map: Map<string, string> }): void {
    const reading = this.asGoReads(() => readGlobalHeader(raw, map));
    const offset = this.entryOffset;
    this.flushPending();
    const path = normaliseEntryPath(reading.name);
    if (!this.inTree(path)) this.noteNameOutside(path, 'g');
    this.emit('member', { ...reading, offset, dataOffset: this.offset } satisfies ReadMember);
  }

  /** Runs a reading of member-reading.ts: what Go refuses stops the rewrite. */
  private asGoReads(reading: () => MemberReading): MemberReading {
    try {
      return reading();
    } catch (error) {
      if (error instanceof TarReadError) throw new LayerTarError(error.message, this.entryOffset);
      throw error;
    }
  }

  /** What the layer said about names outside the trees (complete once the layer has been read). */
  findings(): LayerFindings {
    const candidates = new Set([...this.setIdNames, ...this.passwd]);
    // A hard link names its target's inode: every name (outside the trees) of a set-id inode is a candidate.
    for (const names of this.links.groups()) {
      if (names.some((name) => this.setIdNames.has(name))) for (const name of names) if (!this.inTree(name)) candidates.add(name);
      // A hard-linked file's mode and owner are what its last header says: only the engine knows them.
      for (const name of names) this.captured.delete(name);
    }
    const touched = this.touched;
    return { candidates: [...candidates].sort(), dirs: this.dirs, captured: this.captured, mayTouch: (path) => touched.has(pathHash(path)) };
  }

  private captureData(data: Buffer): void {
    const capture = this.capture!;
    const take = Math.min(capture.left, data.length);
    if (take > 0) capture.chunks.push(Buffer.from(data.subarray(0, take)));
    capture.left -= take;
    if (capture.left === 0) this.endCapture();
  }

  private endCapture(): void {
    const capture = this.capture!;
    this.captured.set(capture.path, { header: capture.header, data: Buffer.concat(capture.chunks) });
    this.capture = undefined;
  }

  /** A name outside the trees that this layer writes or removes: a capture of it made earlier in the layer is stale. */
  private touch(path: string): void {
    this.touched.add(pathHash(path));
    this.captured.delete(path);
  }

  private inTree(path: string): boolean {
    return this.trees.some((tree) => tree === '/' || path === tree || path.startsWith(`${tree}/`));
  }

  /** A member's header: apply the rules to it, note what it says about names outside the trees, patch it in place, emit. */
  private onMember(block: Buffer, raw: RawHeader, offset: number): void {
    this.stats.entries++;
    const member = this.asGoReads(() => readMember(block, raw, { pax: this.pax, longName: this.longName ?? '', longLink: this.longLink ?? '' }));
    const { name, typeflag: type, linkname } = member;
    const path = normaliseEntryPath(name);
    if (!this.inTree(path)) this.noteNameOutside(path, type);
    if (!posix.basename(path).startsWith('.wh.')) {
      const inTree = type === '1' ? this.onHardLink(path, linkname) : TREE_RULE_TYPES.has(type) && this.inTree(path);
      let mode = inTree ? groupWritableMode(raw.mode, type) : raw.mode;
      if (FILE_TYPES.has(type)) {
        if (inTree || this.setIdClearedInPlace(path, type, name, linkname)) mode = this.clearSetId(mode);
        else this.onFileOutside(path, member);
      } else if (type === '5' && !this.inTree(path)) {
        this.onDirectoryOutside(path, member);
      }
      this.patchHeader(block, raw, mode, inTree, offset);
    }
    this.reading = { ...member, offset: this.entryOffset };
    this.emitMember(block, type, member.dataSize);
  }

  /**
   * What the engine does at a name outside the trees before writing anything: a whiteout removes
   * the name it names (an opaque directory's marker none by name), any other entry but a directory
   * replaces what is there. Either way a copy of that name kept from a lower layer, or earlier in
   * this layer, no longer says what is there.
   */
  private noteNameOutside(path: string, type: string): void {
    const base = posix.basename(path);
    if (!base.startsWith('.wh.')) {
      if (type !== '5') this.touch(path);
    } else if (base !== '.wh..wh..opq') {
      this.touch(posix.join(posix.dirname(path), base.slice('.wh.'.length)));
    }
  }

  /**
   * A hard link: whether the group-0 rule applies to it, and its place among the layer's link
   * groups. A hard link shares its target's inode, and the engine applies each link header's owner
   * and mode to it: the target (the inode's first name) decides for every name, so the last header
   * applied never undoes the first, and no file outside the trees is opened to group 0.
   */
  private onHardLink(path: string, linkname: string): boolean {
    const target = normaliseEntryPath(linkname);
    const targetInTree = this.inTree(target);
    this.links.union(path, target);
    // A name in a tree of a file that lives outside them: the engine applies each link header's
    // mode to the shared inode, so from this header on every header of that file loses its
    // set-id bits in place (the last one applied wins), and nothing is left for the extra layer.
    if (!targetInTree && this.inTree(path)) this.links.mark(path);
    return targetInTree;
  }

  /** Whether a file outside the trees loses its set-id bits here rather than in the extra layer. */
  private setIdClearedInPlace(path: string, type: string, name: string, linkname: string): boolean {
    // A name that is not valid UTF-8 cannot be looked up in the final file system.
    const unreadable = name.includes('\uFFFD') || (type === '1' && linkname.includes('\uFFFD'));
    return unreadable || (type === '1' && this.links.marked(path));
  }

  private clearSetId(mode: number): number {
    if ((mode & 0o6000) === 0) return mode;
    this.stats.setIdCleared++;
    return mode & ~0o6000;
  }

  /**
   * A file outside the trees as this layer leaves it: a candidate for the extra layer when it is
   * set-id or /etc/passwd, with its content kept when it is a plain regular file within the budget.
   */
  private onFileOutside(path: string, member: MemberReading): void {
    const setId = (member.mode & 0o6000) !== 0;
    const passwd = path === '/etc/passwd';
    if (setId) this.setIdNames.add(path);
    if (passwd) this.passwd.add(path);
    const plain = (member.typeflag === '0' || member.typeflag === '7') && member.sparse === undefined;
    // A negative owner (Go reads one) is not written again from here: the engine's copy is used instead.
    if ((setId || passwd) && plain && member.uid >= 0 && member.gid >= 0 && member.dataSize <= this.budget.bytes) this.startCapture(path, member);
  }

  /** Keeps the content of the file whose header this is, as it streams by (an empty one is complete once its header is out). */
  private startCapture(path: string, member: MemberReading): void {
    const size = member.dataSize;
    this.budget.bytes -= size;
    const { uid, gid, uname, gname, mtime } = member;
    const header: TarEntryHeader = { path: path.slice(1), type: 'file', mode: member.mode & 0o7777, uid, gid, uname, gname, mtime, size, extra: this.paxRaw };
    this.capture = { path, header, chunks: [], left: size };
  }

  private onDirectoryOutside(path: string, member: MemberReading): void {
    const { uid, gid, uname, gname, mtime } = member;
    this.dirs.set(path, { mode: member.mode & 0o7777, uid, gid, uname, gname, mtime });
  }

  /** Writes the member's new mode, and group 0 when the group-0 rule applies (in its PAX `gid` values too), into the held blocks. */
  private patchHeader(block: Buffer, raw: RawHeader, mode: number, groupZero: boolean, offset: number): void {
    const gid = groupZero ? 0 : raw.gid;
    const gname = groupZero && raw.gname !== '' ? 'root' : raw.gname;
    const paxGidChanged = groupZero && this.zeroPaxGids();
    const headerChanged = mode !== raw.mode || gid !== raw.gid || gname !== raw.gname;
    if (headerChanged) {
      if (mode !== raw.mode) {
        // A mode field beyond seven octal digits (only file-type bits could be there) is not written again here.
        if (mode >= 0o10000000) throw new LayerTarError(`mode ${raw.mode.toString(8)} too large to rewrite`, offset);
        writeOctal(block, Field.mode, mode);
      }
      if (gid !== raw.gid) writeOctal(block, Field.gid, gid);
      if (gname !== raw.gname) writeString(block, Field.gname, gname);
      writeChecksum(block);
    }
    if (headerChanged || paxGidChanged) this.stats.rewritten++;
  }

  /** Zeroes the digits of the held PAX `gid` values in place (the entries keep their length); whether any was not zero. */
  private zeroPaxGids(): boolean {
    let changed = false;
    for (const record of this.paxGids) {
      const value = record.data.subarray(record.offset, record.offset + record.length);
      if (value.length > 0 && value.some((byte) => byte !== 0x30)) {
        value.fill(0x30);
        changed = true;
      }
    }
    return changed;
  }

  /** Emits the held metadata and the member's header, then reads on: its data, or first a GNU sparse file's extension blocks. */
  private emitMember(block: Buffer, type: string, size: number): void {
    this.flushPending();
    this.push(block);
    if (this.capture?.left === 0) this.endCapture();
    this.dataAfterExtensions = padded(size);
    if (type === 'S' && block[Field.gnuIsExtended[0]] !== 0) this.state = 'sparse-ext';
    else this.startData();
  }

  private onSparseExtension(block: Buffer): void {
    this.push(block);
    if (block[Field.gnuExtIsExtended[0]] === 0) this.startData();
  }

  /** The member's data comes next (its reading is reported now that its offset is known). */
  private startData(): void {
    this.emit('member', { ...this.reading!, dataOffset: this.offset } satisfies ReadMember);
    this.reading = undefined;
    this.remaining = this.dataAfterExtensions;
    this.state = this.remaining > 0 ? 'data' : 'header';
  }

  /** Emits the held metadata entries (patched or not) and forgets what they said. */
  private flushPending(): void {
    for (const buffer of this.pending) this.push(buffer);
    this.pending = [];
    this.pendingBytes = 0;
    this.pax = new Map();
    this.paxGids = [];
    this.paxRaw = [];
    this.longName = undefined;
    this.longLink = undefined;
  }
}
