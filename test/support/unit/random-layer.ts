/**
 * Random valid image layers for property-based tests (fast-check): files, directories, symbolic
 * and hard links, with names short and long (ASCII or not, in the trees or beside them, whiteouts),
 * any mode bits (set-id included), owners small and beyond octal, and contents; each member written
 * the way one archiver would: PAX records, GNU long names and base-256 numbers, or a ustar prefix.
 * The model of a layer is what a reader must give for it. Not a test file itself.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import fc from 'fast-check';
import type { Member } from './layer-rules-model.js';
import { END, entry, headerBlock, longName, pax, type CraftedHeader } from './tar-craft.js';

export type Style = 'pax' | 'gnu' | 'ustar';

export interface LayerMember {
  /** As written: a directory's ends in '/'. */
  name: string;
  typeflag: '0' | '5' | '2' | '1';
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname: string;
  data: Buffer;
  /** How what does not fit in a ustar header is written. */
  style: Style;
}

export const TREES = ['/home/jovyan', '/opt/conda'];

const PLACES = ['home/jovyan', 'opt/conda', 'opt/conda-other', 'home', 'usr/bin', 'etc', `srv/${'d'.repeat(130)}`, './home/jovyan', './opt'];

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/) },
  { weight: 1, arbitrary: fc.constantFrom('é', 'naïve-ü', '日本語', 'sp ace', '.wh.gone', 'x'.repeat(70), 'y'.repeat(99)) },
);

const path = fc.tuple(fc.constantFrom(...PLACES), fc.array(segment, { minLength: 1, maxLength: 4 })).map(([place, parts]) => [place, ...parts].join('/'));

const id = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 100, 1000, 0o7777777, 0o10000000, 3_000_000, 2 ** 31, 2 ** 40));

interface Draft extends Omit<LayerMember, 'linkname'> {
  symlinkTarget: string;
  /** Which earlier regular file a hard link names. */
  pick: number;
}

const draft: fc.Arbitrary<Draft> = fc.record({
  name: path,
  typeflag: fc.constantFrom('0', '0', '0', '5', '2', '1'),
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: id,
  gid: id,
  uname: fc.stringMatching(/^[a-z_]{0,10}$/),
  gname: fc.stringMatching(/^[a-z_]{0,10}$/),
  mtime: fc.integer({ min: 0, max: 0o77777777777 }),
  data: fc.uint8Array({ maxLength: 1200 }).map((bytes) => Buffer.from(bytes)),
  style: fc.constantFrom<Style>('pax', 'gnu', 'ustar'),
  symlinkTarget: fc.oneof(fc.constant('../target'), path),
  pick: fc.nat(),
});

const absolute = (name: string) => posix.normalize(`/${name}`).replace(/(.)\/$/, '$1');

/** Members with distinct names; hard links name an earlier regular file (or become one when there is none). */
export const layerMembers: fc.Arbitrary<LayerMember[]> = fc.uniqueArray(draft, { maxLength: 24, selector: (d) => absolute(d.name) }).map((drafts) => {
  const members: LayerMember[] = [];
  for (const { symlinkTarget, pick, ...d } of drafts) {
    const targets = members.filter((m) => m.typeflag === '0' && !posix.basename(m.name).startsWith('.wh.'));
    const typeflag = d.typeflag === '1' && targets.length === 0 ? '0' : d.typeflag;
    const linkname = typeflag === '2' ? symlinkTarget : typeflag === '1' ? (targets[pick % targets.length] as LayerMember).name : '';
    members.push({ ...d, typeflag, name: typeflag === '5' ? `${d.name}/` : d.name, linkname, data: typeflag === '0' ? d.data : Buffer.alloc(0) });
  }
  return members;
});

const fits = (text: string, length: number) => Buffer.byteLength(text) <= length;
const ascii = (text: string) => /^[\x20-\x7e]*$/.test(text);
const MAX_OCTAL_ID = 0o7777777;

/** A ustar prefix and name for `name`, split at a slash, or undefined when no split fits. */
function splitName(name: string): [string, string] | undefined {
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const [prefix, rest] = [name.slice(0, i), name.slice(i + 1)];
    if (rest !== '' && fits(prefix, 155) && fits(rest, 100)) return [prefix, rest];
  }
  return undefined;
}

/** One member's bytes in its style. */
function encodeMember(m: LayerMember): Buffer {
  const before: Buffer[] = [];
  const records: [string, string][] = [];
  const header: CraftedHeader = { ...m, type: m.typeflag, magic: m.style === 'gnu' ? 'gnu' : 'ustar' };
  if (m.style === 'gnu') {
    if (!fits(m.name, 100)) before.push(longName('L', m.name));
    if (!fits(m.linkname, 100)) before.push(longName('K', m.linkname));
  } else {
    const split = m.style === 'ustar' && !fits(m.name, 100) ? splitName(m.name) : undefined;
    if (split) [header.prefix, header.name] = split;
    else if (!fits(m.name, 100) || (m.style === 'pax' && !ascii(m.name))) records.push(['path', m.name]);
    if (!fits(m.linkname, 100) || (m.style === 'pax' && !ascii(m.linkname))) records.push(['linkpath', m.linkname]);
  }
  if (m.style === 'pax') {
    if (m.uid > MAX_OCTAL_ID) records.push(['uid', String(m.uid)]);
    if (m.gid > MAX_OCTAL_ID) records.push(['gid', String(m.gid)]);
    header.uid = Math.min(m.uid, MAX_OCTAL_ID);
    header.gid = Math.min(m.gid, MAX_OCTAL_ID);
  }
  // What a record carries, the header holds truncated (as archivers write it).
  if (records.some(([key]) => key === 'path')) header.name = m.name.replace(/[^\x20-\x7e]/g, '_').slice(-100);
  if (records.some(([key]) => key === 'linkpath') || !fits(m.linkname, 100)) header.linkname = '';
  if (m.style === 'gnu' && !fits(m.name, 100)) header.name = m.name.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
  if (records.length > 0) before.push(pax(records));
  return Buffer.concat([...before, m.typeflag === '0' ? entry(header, m.data) : headerBlock({ ...header, size: 0 })]);
}

export function encodeLayer(members: readonly LayerMember[]): Buffer {
  return Buffer.concat([...members.map(encodeMember), END]);
}

/** What a reader must give for each member. */
export function modelOf(members: readonly LayerMember[]): Member[] {
  return members.map((m) => ({
    name: m.name,
    linkname: m.linkname,
    typeflag: m.typeflag,
    mode: m.mode,
    uid: m.uid,
    gid: m.gid,
    size: m.data.length,
    sha256: createHash('sha256').update(m.data).digest('hex'),
    gname: m.gname,
  }));
}
