/**
 * Random layers whose members carry tangled metadata, for differential fuzzing against Go's
 * archive/tar: several PAX headers (paths, sizes, times, owners, sparse names and versions, empty
 * values), GNU long names and link names, global headers, legacy NUL types, header-only types with
 * sizes, ustar prefixes. The data written after a header is what Go will read for it as far as this
 * generator can tell, so most layers are well-formed; those that are not must be refused by the
 * rewriter when Go refuses them too. Not a test file itself.
 */
import fc from 'fast-check';
import { blocks, END, headerBlock, longName, pax } from './tar-craft.js';

type Meta = { kind: 'x'; records: [string, string][] } | { kind: 'g'; records: [string, string][] } | { kind: 'L' | 'K'; text: string };

export interface TangledMember {
  metas: Meta[];
  name: string;
  prefix?: string;
  typeflag: string;
  mode: number;
  uid: number;
  linkname: string;
  /** The header's size field. */
  size: number;
}

const NAMES = [
  'home/jovyan/a',
  'opt/conda/b/',
  'srv/c',
  'etc/passwd',
  'usr/bin/su',
  '',
  'home/jovyan/.wh.x',
  'srv/.wh.y',
  `home/jovyan/${'l'.repeat(120)}`,
  'opt/conda/d',
];
const name = fc.constantFrom(...NAMES);

const record: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('path'), name),
  fc.tuple(fc.constant('linkpath'), name),
  fc.tuple(fc.constant('size'), fc.oneof(fc.nat(700).map(String), fc.constantFrom('', '+3', '0'))),
  fc.tuple(fc.constant('mtime'), fc.constantFrom('1', '1.5', '', '-2.25')),
  fc.tuple(fc.constant('gid'), fc.constantFrom('5', '0', '', '100')),
  fc.tuple(fc.constant('uid'), fc.constantFrom('0', '7', '')),
  fc.tuple(fc.constant('uname'), fc.constantFrom('root', '')),
  fc.tuple(fc.constant('GNU.sparse.name'), name),
  fc.tuple(fc.constant('GNU.sparse.major'), fc.constantFrom('0', '1', '2', '')),
  fc.tuple(fc.constant('GNU.sparse.minor'), fc.constantFrom('0', '1', '')),
  fc.tuple(fc.constant('SCHILY.xattr.user.a'), fc.constantFrom('v', '')),
);

const meta: fc.Arbitrary<Meta> = fc.oneof(
  { weight: 4, arbitrary: fc.array(record, { maxLength: 5 }).map((records) => ({ kind: 'x' as const, records })) },
  { weight: 1, arbitrary: fc.array(record, { maxLength: 2 }).map((records) => ({ kind: 'g' as const, records })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom<'L' | 'K'>('L', 'K'), name).map(([kind, text]) => ({ kind, text })) },
);

const member: fc.Arbitrary<TangledMember> = fc.record(
  {
    metas: fc.array(meta, { maxLength: 4 }),
    name,
    prefix: fc.constantFrom('home/jovyan', 'srv'),
    typeflag: fc.constantFrom('0', '\0', '5', '2', '1', '6', '7'),
    mode: fc.constantFrom(0o4755, 0o644, 0o2775, 0o755),
    uid: fc.constantFrom(0, 1000),
    linkname: name,
    size: fc.nat(600),
  },
  { requiredKeys: ['metas', 'name', 'typeflag', 'mode', 'uid', 'linkname', 'size'] },
);

export const tangledLayer = fc.array(member, { minLength: 1, maxLength: 6 });

const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/** The data bytes Go reads after the member's header, as far as this generator can tell (no sparse map). */
function dataLength(m: TangledMember): number {
  let records = new Map<string, string>();
  let long = '';
  for (const meta of m.metas) {
    if (meta.kind === 'x') records = new Map(meta.records);
    else if (meta.kind === 'g') [records, long] = [new Map(), ''];
    else if (meta.kind === 'L') long = meta.text;
  }
  const name = long || records.get('path') || (m.prefix ? `${m.prefix}/${m.name}` : m.name);
  const type = m.typeflag === '\0' ? (name.endsWith('/') ? '5' : '0') : m.typeflag;
  if (HEADER_ONLY.has(type)) return 0;
  const size = records.get('size');
  return size ? Number(size) : m.size;
}

export function encodeTangled(members: readonly TangledMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    for (const meta of m.metas) parts.push(meta.kind === 'x' || meta.kind === 'g' ? pax(meta.records, meta.kind) : longName(meta.kind, meta.text));
    const { name, prefix, typeflag: type, mode, uid, linkname, size } = m;
    parts.push(headerBlock({ name, type, mode, uid, linkname, size, ...(prefix ? { prefix } : {}) }), blocks('d'.repeat(dataLength(m))));
  }
  return Buffer.concat([...parts, END]);
}
