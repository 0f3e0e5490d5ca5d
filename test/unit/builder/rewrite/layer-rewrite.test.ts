import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, lchown, link, lstat, mkdir, open, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  layerRewriter,
  type CaptureBudget,
  type LayerFindings,
  LayerTarError,
  MAX_MEMBER_METADATA_BYTES,
  normaliseEntryPath,
  type LayerRewriteStats,
  type LayerRules,
} from '../../../../src/builder/rewrite/layer-rewrite.js';
import {
  BLOCK,
  checksumValid,
  Field,
  parseNumeric,
  parsePaxRecords,
  readHeader,
  writeChecksum,
  writeOctal,
  writeString,
} from '../../../../src/common/tar/tar-header.js';
import { readAll, rejectionOf, tempDir } from '../../../support/unit/helpers.js';
import { pax } from '../../../support/unit/tar-craft.js';

/** A tree whose own path is longer than a ustar name: a truncated name is not in it, the full one is. */
const LONG_TREE = `srv/${'t'.repeat(110)}`;
const TREES: LayerRules = { trees: ['/home/jovyan', '/opt/conda', `/${LONG_TREE}`] };
const MiB = 1024 * 1024;
const LONG_200 = `home/jovyan/${'d'.repeat(90)}/${'f'.repeat(90)}.txt`;
const LONG_DIR = `home/jovyan/${'a'.repeat(100)}/${'b'.repeat(100)}`;
const LONG_300 = `${LONG_DIR}/${'c'.repeat(80)}.txt`;
const ISLANDS = [0, 3, 7, 11, 19, 23, 29, 31, 41, 47, 53, 63];

/** A seeded generator of chunk sizes, so a failure can be replayed. */
function chunkSizes(seed: number, max: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return 1 + Math.floor(r * max);
  };
}

function* chunked(input: Buffer, nextSize: () => number): Generator<Buffer> {
  for (let at = 0; at < input.length;) {
    const n = nextSize();
    yield input.subarray(at, at + n);
    at += n;
  }
}

/** Streams `input` through a rewriter in chunks of the given sizes. */
async function rewrite(
  input: Buffer,
  rules: LayerRules = TREES,
  nextSize: () => number = () => input.length || 1,
  budget: CaptureBudget = { bytes: 0 },
): Promise<{ output: Buffer; stats: LayerRewriteStats; findings: LayerFindings }> {
  const rewriter = layerRewriter(rules, budget);
  const output = readAll(rewriter);
  Readable.from(chunked(input, nextSize))
    .on('error', (e) => rewriter.destroy(e))
    .pipe(rewriter);
  return { output: await output, stats: rewriter.stats, findings: rewriter.findings() };
}

interface Listed {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: string;
  name: string;
  link: string;
}

const PERMS = 'rwxrwxrwx';
function modeOf(text: string): number {
  let mode = 0;
  for (let i = 0; i < 9; i++) {
    const c = text[i] as string;
    const bit = 1 << (8 - i);
    if (c === PERMS[i] || c === 's' || c === 't') mode |= bit;
    if (c === 's' || c === 'S') mode |= i === 2 ? 0o4000 : 0o2000;
    if (c === 't' || c === 'T') mode |= 0o1000;
  }
  return mode;
}

/** `tar -tvv --numeric-owner` of an archive, one object per member. */
function list(archive: Buffer): Listed[] {
  const text = execFileSync('tar', ['-tvv', '--numeric-owner', '-f', '-'], { input: archive, maxBuffer: 64 * MiB }).toString();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S)(\S{9}) (\d+)\/(\d+)\s+(\S+) \S+ \S+ (.*)$/.exec(line);
      if (!m) throw new Error(`unexpected tar listing line: ${line}`);
      const rest = m[6] as string;
      const [name, link] = rest.includes(' -> ') ? rest.split(' -> ') : rest.includes(' link to ') ? rest.split(' link to ') : [rest, ''];
      return {
        type: m[1] as string,
        mode: modeOf(m[2] as string),
        uid: Number(m[3]),
        gid: Number(m[4]),
        size: m[5] as string,
        name: name as string,
        link: link as string,
      };
    });
}

/** The rules, restated on a listing: what each member must look like after the rewrite. */
function expected(entry: Listed, trees: readonly string[]): Listed {
  const path = normaliseEntryPath(entry.name);
  const under = (p: string) => trees.some((t) => p === t || p.startsWith(`${t}/`));
  if (path.split('/').at(-1)?.startsWith('.wh.')) return entry;
  const file = entry.type === '-' || entry.type === 'h' || entry.type === 'C';
  let { mode, gid } = entry;
  const treated = entry.type === 'h' ? under(normaliseEntryPath(entry.link)) : (file || entry.type === 'd' || entry.type === 'l') && under(path);
  if (treated) {
    gid = 0;
    mode |= ((mode >> 6) & 7) << 3;
    if (entry.type === 'd') mode |= 0o2000;
  }
  // Set-id bits go in the trees (a link header there too); outside them nothing changes here.
  if (file && (treated || under(path))) mode &= ~0o6000;
  return { ...entry, mode, gid };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Every member of an extracted tree: kind, size, content digest or link target. */
async function snapshot(dir: string, relative = ''): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(join(dir, relative))).sort()) {
    const rel = relative ? `${relative}/${name}` : name;
    const st = await lstat(join(dir, rel));
    if (st.isDirectory()) Object.assign(result, { [rel]: 'dir' }, await snapshot(dir, rel));
    else if (st.isSymbolicLink()) result[rel] = `-> ${await readlink(join(dir, rel))}`;
    else if (st.isFile()) result[rel] = `${st.size} ${sha256(await readFile(join(dir, rel)))}`;
    else result[rel] = st.isFIFO() ? 'fifo' : 'other';
  }
  return result;
}

/** A hand-made header block (for what GNU tar cannot be asked to write). */
function craftHeader(fields: {
  name: string;
  type: string;
  mode?: number;
  gid?: number | Buffer;
  size?: number | Buffer;
  gname?: string;
  magic?: 'gnu' | 'ustar' | 'v7';
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, Field.name, fields.name);
  writeOctal(block, Field.mode, fields.mode ?? 0o644);
  writeOctal(block, Field.uid, 1000);
  if (Buffer.isBuffer(fields.gid)) fields.gid.copy(block, Field.gid[0]);
  else writeOctal(block, Field.gid, fields.gid ?? 100);
  if (Buffer.isBuffer(fields.size)) fields.size.copy(block, Field.size[0]);
  else writeOctal(block, Field.size, fields.size ?? 0);
  writeOctal(block, [136, 12], 0o14000000000);
  block.write(fields.type, 156, 'latin1');
  const magic = fields.magic ?? 'gnu';
  if (magic === 'gnu') block.write('ustar  \0', 257, 'latin1');
  if (magic === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  if (magic !== 'v7') {
    writeString(block, Field.uname, 'jovyan');
    writeString(block, Field.gname, fields.gname ?? 'users');
  }
  writeChecksum(block);
  return block;
}

function member(header: Buffer, data = ''): Buffer {
  const body = Buffer.alloc(Math.ceil(data.length / BLOCK) * BLOCK);
  body.write(data, 'latin1');
  return Buffer.concat([header, body]);
}

const END = Buffer.alloc(2 * BLOCK);

/** Base-256 encoding of a number in a field of `length` bytes. */
function base256(value: bigint, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = length - 1; i >= 0; i--, value >>= 8n) bytes[i] = Number(value & 0xffn);
  bytes[0] = (bytes[0] as number) | 0x80;
  return bytes;
}

describe('layer-rewrite: tar headers of an image layer', function () {
  this.timeout(30000);
  let root: string;
  let work: string;
  let remove: () => Promise<void>;
  const archives: Record<string, Buffer> = {};

  /** `tar -c` of members of the fixture tree: options first, then the members. */
  const tarOf = (args: string[]) => {
    const options = args.filter((a) => a.startsWith('-'));
    const members = args.filter((a) => !a.startsWith('-'));
    return execFileSync('tar', ['-c', '-f', '-', '-C', root, '--sort=name', ...options, ...members], { maxBuffer: 64 * MiB });
  };

  before(async () => {
    let base: string;
    ({ dir: base, remove } = await tempDir('tjs2i-layer-'));
    root = join(base, 'fs');
    work = join(base, 'work');
    await mkdir(work);
    const files: [string, number, string][] = [
      ['aaa/outside.txt', 0o644, 'target of a link from the home tree\n'],
      ['etc/passwd', 0o644, 'root:x:0:0:root:/root:/bin/bash\n'],
      ['etc/group', 0o644, 'root:x:0:\n'],
      ['usr/bin/su', 0o4755, 'set-uid\n'],
      ['usr/bin/wall', 0o2755, 'set-gid\n'],
      ['usr/bin/plain', 0o755, 'plain\n'],
      ['home/jovyan/a.txt', 0o644, 'a\n'],
      ['home/jovyan/run.sh', 0o755, '#!/bin/sh\n'],
      ['home/jovyan/ro.txt', 0o444, 'read only\n'],
      ['home/jovyan/secret', 0o600, 'secret\n'],
      ['home/jovyan/setuid-in-tree', 0o4755, 'set-uid in a tree\n'],
      ['home/jovyan/.wh.foo', 0o644, ''],
      ['home/jovyan/sub/.wh..wh..opq', 0o644, ''],
      ['home/jovyan/private/key', 0o400, 'k\n'],
      [LONG_200, 0o644, 'two hundred\n'],
      [LONG_300, 0o640, 'three hundred\n'],
      ['opt/conda/bin/python', 0o755, 'python\n'],
      ['opt/conda/share/data.txt', 0o664, 'data\n'],
      ['opt/conda-other/x', 0o644, 'a sibling, not in the tree\n'],
      [`${LONG_TREE}/data`, 0o644, 'in a tree with a long name\n'],
    ];
    for (const [name, mode, content] of files) {
      await mkdir(join(root, name, '..'), { recursive: true });
      await writeFile(join(root, name), content);
      await chmod(join(root, name), mode);
    }
    await chmod(join(root, 'home/jovyan/private'), 0o700);
    const sparse = await open(join(root, 'home/jovyan/sparse.bin'), 'w');
    await sparse.truncate(64 * MiB);
    for (const mib of ISLANDS) await sparse.write(Buffer.from(`island at ${mib} MiB\n`.repeat(100)), 0, undefined, mib * MiB + 4096 * (mib % 3));
    await sparse.close();
    await link(join(root, 'aaa/outside.txt'), join(root, 'home/jovyan/hl-in'));
    await link(join(root, 'opt/conda/share/data.txt'), join(root, 'usr/share-hl-out'));
    await link(join(root, LONG_300), join(root, 'usr/share-hl-long'));
    await link(join(root, LONG_TREE, 'data'), join(root, 'usr/share-hl-srv'));
    await symlink('/usr/bin/plain', join(root, 'home/jovyan/link-out'));
    await symlink('/opt/conda/bin/python', join(root, 'usr/bin/link-in'));
    execFileSync('mkfifo', [join(root, 'home/jovyan/fifo')]);
    execFileSync('chown', ['-hR', '1000:100', root]);
    // chown clears set-id bits: set them again.
    for (const [name, mode] of files.map(([n, m]) => [n, m] as const).filter(([, m]) => m & 0o6000)) await chmod(join(root, name), mode);
    await chown(join(root, 'etc/passwd'), 0, 0);
    await lchown(join(root, 'etc'), 0, 0);

    const xattr = ['--pax-option=SCHILY.xattr.user.note:=kept'];
    archives.gnu = tarOf(['--format=gnu', '--sparse', '.']);
    archives.posix = tarOf(['--format=posix', '--sparse', ...xattr, 'aaa', 'etc', 'home', 'opt', 'srv', 'usr']);
    archives['posix-sparse-0.0'] = tarOf(['--format=posix', '--sparse', '--sparse-version=0.0', 'home', 'opt']);
    archives['posix-sparse-0.1'] = tarOf(['--format=posix', '--sparse', '--sparse-version=0.1', 'home', 'opt']);
    archives['posix-gid'] = tarOf(['--format=posix', '--pax-option=gid:=100', '--exclude=sparse.bin', 'aaa', 'home', 'opt']);
  });

  after(() => remove());

  describe('GNU tar archives, streamed in random chunks', () => {
    for (const format of ['gnu', 'posix', 'posix-sparse-0.0', 'posix-sparse-0.1', 'posix-gid']) {
      describe(format, () => {
        let input: Buffer;
        let output: Buffer;
        let stats: LayerRewriteStats;
        before(async () => {
          input = archives[format] as Buffer;
          ({ output, stats } = await rewrite(input, TREES, chunkSizes(format.length * 7919, 1500)));
        });

        it('keeps the length and changes headers only where the rules say', () => {
          expect(output.length).to.equal(input.length);
          const before = list(input);
          const after = list(output);
          expect(after).to.deep.equal(before.map((e) => expected(e, TREES.trees)));
          expect(after).not.to.deep.equal(before);
          expect(stats.entries).to.equal(before.length);
          expect(stats.rewritten).to.equal(after.filter((e, i) => JSON.stringify(e) !== JSON.stringify(before[i])).length);
        });

        it('gives the same output for any chunking (1-byte chunks, small and large random ones)', async () => {
          const tiny = format === 'gnu' || format === 'posix' ? () => 1 : chunkSizes(5, 24);
          expect((await rewrite(input, TREES, tiny)).output.equals(output)).to.equal(true);
          expect((await rewrite(input, TREES, chunkSizes(42, 5000))).output.equals(output)).to.equal(true);
        });

        it('needs nothing more on a second pass (byte-identical)', async () => {
          const again = await rewrite(output, TREES, chunkSizes(7, 700));
          expect(again.output.equals(output)).to.equal(true);
          expect(again.stats.rewritten).to.equal(0);
        });
      });
    }

    it('GNU format: only mode, gid, gname and checksum bytes of header blocks change', async () => {
      const input = archives.gnu as Buffer;
      const { output } = await rewrite(input);
      {
        const allowed = [Field.mode, Field.gid, Field.chksum, Field.gname];
        const changedBlocks = new Set<number>();
        for (let i = 0; i < input.length; i++) {
          if (input[i] === output[i]) continue;
          const inBlock = i % BLOCK;
          expect(
            allowed.some(([o, l]) => inBlock >= o && inBlock < o + l),
            `byte ${i} (offset ${inBlock} in its block)`,
          ).to.equal(true);
          changedBlocks.add(i - inBlock);
        }
        for (const at of changedBlocks) {
          expect(checksumValid(output.subarray(at, at + BLOCK))).to.equal(true);
          expect(readHeader(output.subarray(at, at + BLOCK)).typeflag).to.be.oneOf(['0', '1', '2', '5', 'S']);
        }
      }
    });

    it('the rules, spelled out on the GNU listing', async () => {
      const after = list((await rewrite(archives.gnu as Buffer)).output);
      const entry = (name: string) => after.find((e) => e.name === `./${name}`) as Listed;
      const show = (name: string) => ({ mode: entry(name).mode.toString(8), gid: entry(name).gid });
      expect(show('home/jovyan/')).to.deep.equal({ mode: '2775', gid: 0 });
      expect(show('home/jovyan/private/')).to.deep.equal({ mode: '2770', gid: 0 });
      expect(show('home/jovyan/a.txt')).to.deep.equal({ mode: '664', gid: 0 });
      expect(show('home/jovyan/run.sh')).to.deep.equal({ mode: '775', gid: 0 });
      expect(show('home/jovyan/ro.txt')).to.deep.equal({ mode: '444', gid: 0 });
      expect(show('home/jovyan/secret')).to.deep.equal({ mode: '660', gid: 0 });
      expect(show('home/jovyan/private/key')).to.deep.equal({ mode: '440', gid: 0 });
      expect(show('home/jovyan/setuid-in-tree')).to.deep.equal({ mode: '775', gid: 0 });
      expect(show('home/jovyan/sparse.bin')).to.deep.equal({ mode: '664', gid: 0 });
      expect(show(LONG_200)).to.deep.equal({ mode: '664', gid: 0 });
      expect(show(LONG_300)).to.deep.equal({ mode: '660', gid: 0 });
      // A hard link's target decides: a link in a tree to a file outside leaves that file as it is.
      expect(show('home/jovyan/hl-in')).to.deep.equal({ mode: '644', gid: 100 });
      expect(show('usr/share-hl-out')).to.deep.equal({ mode: '664', gid: 0 });
      expect(show('usr/share-hl-long')).to.deep.equal({ mode: '660', gid: 0 });
      expect(show('opt/conda/bin/python')).to.deep.equal({ mode: '775', gid: 0 });
      expect(show(`${LONG_TREE}/data`)).to.deep.equal({ mode: '664', gid: 0 });
      expect(show('usr/share-hl-srv')).to.deep.equal({ mode: '664', gid: 0 });
      expect(show('srv/')).to.deep.equal({ mode: '755', gid: 100 });
      // A symbolic link in a tree gets group 0 (as `chgrp -R` gives it), its target and mode unchanged.
      expect(show('home/jovyan/link-out')).to.deep.equal({ mode: '777', gid: 0 });
      // Unchanged: outside the trees, whiteouts, FIFOs.
      expect(show('aaa/outside.txt')).to.deep.equal({ mode: '644', gid: 100 });
      expect(show('opt/conda-other/x')).to.deep.equal({ mode: '644', gid: 100 });
      expect(show('opt/')).to.deep.equal({ mode: '755', gid: 100 });
      expect(show('home/jovyan/.wh.foo')).to.deep.equal({ mode: '644', gid: 100 });
      expect(show('home/jovyan/sub/.wh..wh..opq')).to.deep.equal({ mode: '644', gid: 100 });
      expect(show('usr/bin/link-in')).to.deep.equal({ mode: '777', gid: 100 });
      expect(show('home/jovyan/fifo')).to.deep.equal({ mode: '644', gid: 100 });
      // Outside the trees set-id programs and /etc/passwd stay as they are here (the extra layer fixes them).
      expect(show('usr/bin/su')).to.deep.equal({ mode: '4755', gid: 100 });
      expect(show('usr/bin/wall')).to.deep.equal({ mode: '2755', gid: 100 });
      expect(show('etc/passwd')).to.deep.equal({ mode: '644', gid: 0 });
      expect(show('etc/group')).to.deep.equal({ mode: '644', gid: 100 });
    });

    it('counts the set-id bits it clears in the trees', async () => {
      // setuid-in-tree only: su and wall are outside, and the hard links point at files without set-id bits.
      expect((await rewrite(archives.gnu as Buffer)).stats.setIdCleared).to.equal(1);
    });

    it('reports set-id files and /etc/passwd outside the trees, and the directories there', async () => {
      for (const format of ['gnu', 'posix']) {
        const { findings } = await rewrite(archives[format] as Buffer, TREES, chunkSizes(7, 3000));
        expect(findings.candidates, format).to.deep.equal(['/etc/passwd', '/usr/bin/su', '/usr/bin/wall']);
        expect(findings.dirs.get('/usr/bin'), format).to.deep.include({ mode: 0o755, uid: 1000, gid: 100, gname: 'users' });
        expect(findings.dirs.get('/etc'), format).to.deep.include({ mode: 0o755, uid: 0, gid: 0 });
        expect(findings.dirs.get('/etc')?.mtime, format).to.be.a('number').above(1_600_000_000);
        expect(
          [...findings.dirs.keys()].filter((d) => d.startsWith('/home/jovyan') || d.startsWith('/opt/conda/')),
          format,
        ).to.deep.equal([]);
      }
    });

    it('writes gname "root" where the header had a group name', async () => {
      const input = archives.gnu as Buffer;
      const { output } = await rewrite(input);
      const names = execFileSync('tar', ['-tv', '-f', '-'], { input: output }).toString();
      expect(names).to.match(/ \S+\/root .* \.\/home\/jovyan\/a\.txt\n/);
      expect(names).to.match(/ \S+\/users .* \.\/aaa\/outside\.txt\n/);
    });

    let original: Promise<Record<string, string>> | undefined;
    for (const format of ['gnu', 'posix']) {
      it(`${format}: extracting the output (as root, --sparse) gives the same files, still sparse`, async function () {
        if (process.getuid?.() !== 0) this.skip();
        const input = archives[format] as Buffer;
        const { output } = await rewrite(input, TREES, chunkSizes(3, 3000));
        const extract = async (archive: Buffer, name: string) => {
          const dir = join(work, `${format}-${name}`);
          await mkdir(dir);
          execFileSync('tar', ['-x', '--numeric-owner', '-p', '--sparse', '-C', dir, '-f', '-'], { input: archive });
          return dir;
        };
        const b = await extract(output, 'out');
        // The fixture tree itself is the reference: what GNU tar archived is what it must extract.
        original ??= snapshot(root);
        expect(await snapshot(b)).to.deep.equal(await original);
        const sparse = await lstat(join(b, 'home/jovyan/sparse.bin'));
        expect(sparse.size).to.equal(64 * MiB);
        expect(sparse.blocks * 512).to.be.below(4 * MiB);
        const home = await lstat(join(b, 'home/jovyan'));
        expect([home.gid, (home.mode & 0o7777).toString(8)]).to.deep.equal([0, '2775']);
        // Outside the trees: as it was (the builder's extra layer writes it again without the bit).
        const su = await lstat(join(b, 'usr/bin/su'));
        expect([su.gid, (su.mode & 0o7777).toString(8)]).to.deep.equal([100, '4755']);
      });
    }

    it('posix: xattr records come through unchanged', async () => {
      const input = archives.posix as Buffer;
      const { output } = await rewrite(input);
      const xattrs = (archive: Buffer) =>
        execFileSync('tar', ['-tvv', '--xattrs', '-f', '-'], { input: archive })
          .toString()
          .split('\n')
          .filter((l) => l.includes('x: '));
      expect(xattrs(output)).to.have.length.above(10);
      expect(xattrs(output)).to.deep.equal(xattrs(input));
      expect(output.toString('latin1').split('SCHILY.xattr.user.note=kept').length).to.equal(
        input.toString('latin1').split('SCHILY.xattr.user.note=kept').length,
      );
    });

    it('posix: a PAX gid=100 record becomes gid=000 for members of a tree only, and GNU tar reads gid 0', async () => {
      const input = archives['posix-gid'] as Buffer;
      const { output } = await rewrite(input);
      const count = (archive: Buffer, text: string) => archive.toString('latin1').split(text).length - 1;
      const tree = /^\/?(home\/jovyan|opt\/conda)(\/|$)/;
      const inTree = list(input).filter((e) =>
        e.type === 'h' ? tree.test(e.link) : tree.test(e.name) && !e.name.includes('.wh.') && 'd-l'.includes(e.type),
      ).length;
      expect(count(input, '11 gid=100\n')).to.equal(list(input).length);
      expect(count(output, '11 gid=000\n')).to.equal(inTree);
      expect(count(output, '11 gid=100\n')).to.equal(list(input).length - inTree);
      expect(list(output).find((e) => e.name === 'home/jovyan/a.txt')?.gid).to.equal(0);
      expect(list(output).find((e) => e.name === 'aaa/outside.txt')?.gid).to.equal(100);
    });
  });

  describe('layers that need no change', () => {
    it('come out byte-identical (trees absent from the layer, or no trees at all)', async () => {
      const clean = tarOf(['--format=posix', '--sparse', 'home/jovyan/sparse.bin', 'opt', 'usr/share-hl-out', 'usr/bin/link-in']);
      for (const rules of [{ trees: [] }, { trees: ['/srv/data'] }]) {
        const { output, stats } = await rewrite(clean, rules, chunkSizes(11, 900));
        expect(output.equals(clean)).to.equal(true);
        expect(stats.rewritten).to.equal(0);
        expect(stats.entries).to.be.above(5);
      }
      // Set-id programs and /etc/passwd outside the trees do not change the layer either.
      const gnu = archives.gnu as Buffer;
      const { output, findings } = await rewrite(gnu, { trees: [] });
      expect(output.equals(gnu)).to.equal(true);
      expect(findings.candidates).to.include.members(['/etc/passwd', '/usr/bin/su', '/home/jovyan/setuid-in-tree']);
    });

    it('pass through what follows the end of the archive', async () => {
      const tail = Buffer.from('not tar, but kept as it is');
      const input = Buffer.concat([member(craftHeader({ name: 'opt/conda/x', type: '0', size: 2 }), 'hi'), END, tail]);
      const { output } = await rewrite(input, TREES, () => 3);
      expect(output.length).to.equal(input.length);
      expect(output.subarray(output.length - tail.length).equals(tail)).to.equal(true);
      expect(output.subarray(2 * BLOCK).equals(input.subarray(2 * BLOCK))).to.equal(true);
    });
  });

  describe('hand-made headers', () => {
    it('parses octal and base-256 numbers (a size beyond 8 GiB, a large gid)', () => {
      const size = 9n * 1024n ** 3n + 5n;
      const header = craftHeader({ name: 'big.bin', type: '0', size: base256(size, 12), gid: base256(3_000_000n, 8) });
      const raw = readHeader(header);
      expect(raw.size).to.equal(Number(size));
      expect(raw.gid).to.equal(3_000_000);
      expect(parseNumeric(Buffer.from('0000644\0'))).to.equal(0o644);
      expect(parseNumeric(Buffer.from('   644 \0'))).to.equal(0o644);
      expect(parseNumeric(Buffer.alloc(8))).to.equal(0);
      expect(() => parseNumeric(Buffer.from('0000x44\0'))).to.throw(/octal/);
    });

    it('rewrites a base-256 gid in a tree to octal 0 (GNU tar reads it)', async () => {
      const input = Buffer.concat([member(craftHeader({ name: 'opt/conda/f', type: '0', size: 5, gid: base256(3_000_000n, 8) }), 'hello'), END]);
      expect(list(input)[0]?.gid).to.equal(3_000_000);
      const { output, stats } = await rewrite(input, TREES, () => 100);
      expect(stats).to.deep.equal({ entries: 1, rewritten: 1, setIdCleared: 0 });
      expect(output.toString('latin1', Field.gid[0], Field.gid[0] + 8)).to.equal('0000000\0');
      expect(list(output)[0]).to.include({ gid: 0, mode: 0o664 });
    });

    it('reads the ustar prefix, and a legacy directory (type NUL, trailing slash) gets set-group-ID', async () => {
      const prefixed = craftHeader({ name: 'file', type: '0', magic: 'ustar' });
      prefixed.write('opt/conda/deep', Field.prefix[0], 'latin1');
      writeChecksum(prefixed);
      const legacy = craftHeader({ name: 'opt/conda/legacy/', type: '\0', mode: 0o750, magic: 'v7' });
      const input = Buffer.concat([prefixed, legacy, END]);
      const { output } = await rewrite(input);
      expect(readHeader(output.subarray(0, BLOCK))).to.include({ name: 'opt/conda/deep/file', gid: 0, mode: 0o664, gname: 'root' });
      expect(readHeader(output.subarray(BLOCK, 2 * BLOCK))).to.include({ gid: 0, mode: 0o2770, gname: '' });
    });

    it('takes the path from PAX records (path, linkpath, GNU.sparse.name) over the ustar name', async () => {
      const pax = (records: string[]) => {
        const record = (r: string) => {
          const base = Buffer.byteLength(r) + 2; // the space and the newline
          let length = base + String(base).length;
          length = base + String(length).length;
          return `${length} ${r}\n`;
        };
        const data = records.map(record).join('');
        return member(craftHeader({ name: 'PaxHeaders/x', type: 'x', size: Buffer.byteLength(data), magic: 'ustar' }), data);
      };
      const input = Buffer.concat([
        pax(['path=opt/conda/real']),
        craftHeader({ name: 'elsewhere/truncated', type: '0', magic: 'ustar' }),
        pax(['linkpath=opt/conda/real']),
        craftHeader({ name: 'elsewhere/link', type: '1', magic: 'ustar' }),
        pax(['GNU.sparse.major=1', 'GNU.sparse.minor=0', 'GNU.sparse.name=opt/conda/sparse', 'GNU.sparse.realsize=0']),
        member(craftHeader({ name: 'elsewhere/GNUSparseFile.0/sparse', type: '0', size: 512, magic: 'ustar' }), '0\n'),
        pax(['path=opt/conda/.wh.gone']),
        craftHeader({ name: 'opt/conda/not-a-whiteout', type: '0', magic: 'ustar' }),
        END,
      ]);
      const { output, stats } = await rewrite(input, TREES, chunkSizes(9, 300));
      expect(stats).to.deep.equal({ entries: 4, rewritten: 3, setIdCleared: 0 });
      expect(list(output).map((e) => [e.name, e.gid])).to.deep.equal([
        ['opt/conda/real', 0],
        ['elsewhere/link', 0],
        ['opt/conda/sparse', 0],
        ['opt/conda/.wh.gone', 100],
      ]);
    });

    it('reads no data after link, symlink, directory, device and FIFO headers whatever their size says (as Go)', async () => {
      const input = Buffer.concat([
        craftHeader({ name: 'opt/conda/dir/', type: '5', mode: 0o755, size: 5 }),
        craftHeader({ name: 'opt/conda/sym', type: '2', mode: 0o777, size: 5 }),
        craftHeader({ name: 'opt/conda/file', type: '0', size: 0 }),
        END,
      ]);
      const { output, stats } = await rewrite(input);
      expect(stats).to.deep.equal({ entries: 3, rewritten: 3, setIdCleared: 0 });
      expect(readHeader(output.subarray(2 * BLOCK, 3 * BLOCK))).to.include({ name: 'opt/conda/file', gid: 0 });
    });

    it('keeps a copy of set-id files and /etc/passwd outside the trees (header, raw PAX records, content), within the budget', async () => {
      const budget = { bytes: 1000 };
      const { findings } = await rewrite(archives.posix as Buffer, TREES, chunkSizes(5, 700), budget);
      expect([...findings.captured.keys()].sort()).to.deep.equal(['/etc/passwd', '/usr/bin/su', '/usr/bin/wall']);
      const su = findings.captured.get('/usr/bin/su')!;
      expect(su.data.toString()).to.equal('set-uid\n');
      expect(su.header).to.include({ path: 'usr/bin/su', type: 'file', mode: 0o4755, uid: 1000, gid: 100, size: 8 });
      expect(su.header.extra?.map(([k, v]) => `${k}=${v.toString()}`)).to.include('SCHILY.xattr.user.note=kept');
      expect(budget.bytes).to.equal(1000 - 8 - 8 - 32);
      expect(findings.mayTouch('/usr/bin/su')).to.equal(true);
      expect(findings.mayTouch('/usr/bin/plain')).to.equal(true);
      expect(findings.mayTouch('/usr/bin')).to.equal(false); // a directory
      expect(findings.mayTouch('/nowhere/else')).to.equal(false);
      // Out of budget: nothing kept (the engine is asked instead).
      expect((await rewrite(archives.posix as Buffer, TREES, undefined, { bytes: 20 })).findings.captured.size).to.equal(2);
      expect((await rewrite(archives.posix as Buffer, TREES, undefined, { bytes: 0 })).findings.captured.size).to.equal(0);
    });

    it('a later entry or a whiteout of the same name in the layer drops the copy; whiteouts count as touching', async () => {
      const input = Buffer.concat([
        member(craftHeader({ name: 'srv/a', type: '0', mode: 0o4755, size: 2 }), 'a\n'),
        member(craftHeader({ name: 'srv/b', type: '0', mode: 0o4755, size: 2 }), 'b\n'),
        craftHeader({ name: 'srv/a', type: '2', mode: 0o777 }),
        craftHeader({ name: 'srv/.wh.gone', type: '0', mode: 0o644 }),
        END,
      ]);
      const { findings } = await rewrite(input, TREES, () => 64, { bytes: 100 });
      expect([...findings.captured.keys()]).to.deep.equal(['/srv/b']);
      expect(findings.mayTouch('/srv/gone')).to.equal(true);
      expect(findings.mayTouch('/srv/.wh.gone')).to.equal(false);
    });

    it('a global header counts as touching its own name (the engine removes what is there, or whites out what it names)', async () => {
      const input = Buffer.concat([
        member(craftHeader({ name: 'srv/a', type: '0', mode: 0o4755, size: 2 }), 'a\n'),
        pax([['path', 'srv/a']], 'g'),
        pax([['path', 'srv/.wh.b']], 'g'),
        END,
      ]);
      const { findings } = await rewrite(input, TREES, () => 64, { bytes: 100 });
      expect([...findings.captured.keys()]).to.deep.equal([]);
      expect(findings.mayTouch('/srv/a')).to.equal(true);
      expect(findings.mayTouch('/srv/b')).to.equal(true);
    });

    it('a name outside the trees written by a header changed in place (a link into a tree) counts as touched, and drops its copy', async () => {
      // A lower layer kept /etc/passwd; this one makes it a link to a file in a tree.
      const input = Buffer.concat([
        member(craftHeader({ name: 'opt/conda/p', type: '0', mode: 0o644, size: 2 }), 'j\n'),
        craftHeader({ name: 'etc/passwd', type: '1', mode: 0o644 }),
        END,
      ]);
      writeString(input, [2 * BLOCK + Field.linkname[0], 100], 'opt/conda/p');
      writeChecksum(input.subarray(2 * BLOCK, 3 * BLOCK));
      const { findings } = await rewrite(input, TREES, () => 100, { bytes: 100 });
      expect(findings.mayTouch('/etc/passwd')).to.equal(true);
      expect(findings.mayTouch('/opt/conda/p')).to.equal(false);
    });

    it('hard links: every name of a set-id file outside the trees is a candidate; a link header in a tree is cleared in place', async () => {
      const input = Buffer.concat([
        member(craftHeader({ name: 'srv/a', type: '0', mode: 0o4755, size: 2 }), 'a\n'),
        craftHeader({ name: 'srv/b', type: '1', mode: 0o755 }),
        craftHeader({ name: 'opt/conda/c', type: '1', mode: 0o4755 }),
        member(craftHeader({ name: 'srv/plain', type: '0', mode: 0o755, size: 2 }), 'p\n'),
        craftHeader({ name: 'srv/made-set-id', type: '1', mode: 0o2755 }),
        member(craftHeader({ name: 'srv/other', type: '0', mode: 0o755, size: 2 }), 'o\n'),
        craftHeader({ name: 'srv/other-link', type: '1', mode: 0o755 }),
        END,
      ]);
      for (const [index, target] of [
        [1, 'srv/a'],
        [2, 'srv/a'],
        [4, 'srv/plain'],
        [6, 'srv/other'],
      ] as const) {
        const at = [0, 2, 3, 4, 6, 7, 9][index] as number;
        writeString(input, [at * BLOCK + Field.linkname[0], 100], target);
        writeChecksum(input.subarray(at * BLOCK, (at + 1) * BLOCK));
      }
      const { output, stats, findings } = await rewrite(input, TREES, () => 100);
      expect(findings.candidates).to.deep.equal(['/srv/a', '/srv/b', '/srv/made-set-id', '/srv/plain']);
      expect(stats.setIdCleared).to.equal(1);
      expect(readHeader(output.subarray(3 * BLOCK, 4 * BLOCK))).to.include({ name: 'opt/conda/c', mode: 0o755, gid: 100 });
      expect(output.subarray(0, 3 * BLOCK).equals(input.subarray(0, 3 * BLOCK))).to.equal(true);
      expect(output.subarray(4 * BLOCK).equals(input.subarray(4 * BLOCK))).to.equal(true);
    });

    it('a name in a tree of a set-id file outside: that header and every later one of the file lose the bits in place (the last applied wins)', async () => {
      const input = Buffer.concat([
        member(craftHeader({ name: 'etc/x', type: '0', mode: 0o4755, size: 2 }), 'x\n'),
        craftHeader({ name: 'home/jovyan/x', type: '1', mode: 0o4755 }),
        craftHeader({ name: 'usr/bin/x', type: '1', mode: 0o4755 }),
        END,
      ]);
      for (const at of [2, 3]) {
        writeString(input, [at * BLOCK + Field.linkname[0], 100], 'etc/x');
        writeChecksum(input.subarray(at * BLOCK, (at + 1) * BLOCK));
      }
      const { output, stats, findings } = await rewrite(input, TREES, () => 100, { bytes: 100 });
      expect(readHeader(output.subarray(0, BLOCK)).mode).to.equal(0o4755);
      expect(readHeader(output.subarray(2 * BLOCK, 3 * BLOCK))).to.include({ name: 'home/jovyan/x', mode: 0o755, gid: 100 });
      expect(readHeader(output.subarray(3 * BLOCK, 4 * BLOCK))).to.include({ name: 'usr/bin/x', mode: 0o755 });
      expect(stats.setIdCleared).to.equal(2);
      // Outside names are still looked at in the final file system (where the engine left the file without the bits).
      expect(findings.candidates).to.deep.equal(['/etc/x', '/usr/bin/x']);
      expect(findings.captured.size).to.equal(0);
    });

    it('hard links that chain (c -> b -> a) form one file: all its names are candidates', async () => {
      const input = Buffer.concat([
        member(craftHeader({ name: 'srv/a', type: '0', mode: 0o755, size: 2 }), 'a\n'),
        craftHeader({ name: 'srv/b', type: '1', mode: 0o755 }),
        craftHeader({ name: 'srv/c', type: '1', mode: 0o4755 }),
        END,
      ]);
      for (const [at, target] of [
        [2, 'srv/a'],
        [3, 'srv/b'],
      ] as const) {
        writeString(input, [at * BLOCK + Field.linkname[0], 100], target);
        writeChecksum(input.subarray(at * BLOCK, (at + 1) * BLOCK));
      }
      const { output, findings } = await rewrite(input, TREES, () => 100);
      expect(findings.candidates).to.deep.equal(['/srv/a', '/srv/b', '/srv/c']);
      expect(output.equals(input)).to.equal(true);
    });

    it('a set-id file whose name is not UTF-8 (it could not be looked up) loses the bits in place', async () => {
      const header = craftHeader({ name: 'usr/bin/odd-X', type: '0', mode: 0o4755, size: 2 });
      header[Field.name[0] + 'usr/bin/odd-'.length] = 0xff;
      writeChecksum(header);
      const { output, stats, findings } = await rewrite(Buffer.concat([member(header, 'o\n'), END]), TREES, () => 100);
      expect(readHeader(output.subarray(0, BLOCK)).mode).to.equal(0o755);
      expect(stats.setIdCleared).to.equal(1);
      expect(findings.candidates).to.deep.equal([]);
    });

    it('rejects a header with a wrong checksum, naming its offset', async () => {
      const input = Buffer.concat([
        member(craftHeader({ name: 'a', type: '0', size: 600 }), 'x'.repeat(600)),
        member(craftHeader({ name: 'b', type: '0' })),
        END,
      ]);
      input[3 * BLOCK + 10] = 0x41; // inside the second header's name
      const error = await rejectionOf(rewrite(input, TREES, () => 77));
      expect(error).to.be.instanceOf(LayerTarError);
      expect((error as LayerTarError).offset).to.equal(3 * BLOCK);
      expect((error as Error).message).to.match(/checksum.*offset 1536/);
    });

    it('rejects a layer that ends inside an entry', async () => {
      const input = member(craftHeader({ name: 'a', type: '0', size: 600 }), 'x'.repeat(600)).subarray(0, 900);
      expect(await rejectionOf(rewrite(input))).to.be.instanceOf(LayerTarError);
    });

    it('rejects metadata beyond the cap instead of buffering it', async () => {
      const header = craftHeader({ name: 'PaxHeaders/x', type: 'x', size: MAX_MEMBER_METADATA_BYTES + 1 });
      const input = Buffer.concat([header, Buffer.alloc(BLOCK)]);
      const error = await rejectionOf(rewrite(input));
      expect((error as Error).message).to.match(/larger than/);
    });

    it('parsePaxRecords gives each value with its position', () => {
      const data = Buffer.from('11 gid=100\n16 path=a/b/c/d\n');
      const records = parsePaxRecords(data);
      expect(records.map((r) => [r.key, r.value])).to.deep.equal([
        ['gid', '100'],
        ['path', 'a/b/c/d'],
      ]);
      expect(data.toString('latin1', records[0]?.valueOffset, (records[0]?.valueOffset ?? 0) + (records[0]?.valueLength ?? 0))).to.equal('100');
      expect(() => parsePaxRecords(Buffer.from('99 gid=100\n'))).to.throw(/length/);
    });
  });
});
