/**
 * Differential tests: hand-made layers at the edges of the tar formats, read by the layer rewriter
 * and by Go's archive/tar (the engine's reader). The rewriter must read every member Go returns as
 * Go does (name, link, type, mode, owner, size, data), and Go must read the rewriter's output as the
 * input with the intended changes only; what the rewriter cannot follow it refuses.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { layerRewriter, LayerTarError, type ReadMember } from '../../../../src/builder/rewrite/layer-rewrite.js';
import { BLOCK } from '../../../../src/common/tar/tar-header.js';
import { buildGoTarReader, NO_GO, type GoHeader, type GoTarReader } from '../../../support/unit/go-tar-reader.js';
import { afterRewrite, type Member } from '../../../support/unit/layer-rules-model.js';
import { blocks, END, entry, headerBlock, longName, pax } from '../../../support/unit/tar-craft.js';
import { encodeLayer, layerMembers } from '../../../support/unit/random-layer.js';
import { encodeTangled, tangledLayer } from '../../../support/unit/random-metadata.js';
import { readAll, rejectionOf, tempDir } from '../../../support/unit/helpers.js';

const TREES = ['/home/jovyan', '/opt/conda'];
const ROOTSHELL = 'home/jovyan/.local/bin/rootshell';
/** The file the crafted layers hide: set-uid root in a tree. */
const rootshell = (extra: Partial<Parameters<typeof headerBlock>[0]> = {}) =>
  entry({ name: ROOTSHELL, type: '0', mode: 0o4755, uid: 0, gid: 0, ...extra }, 'sh\n');
const passwd = () => entry({ name: 'etc/passwd', type: '0', mode: 0o644, uid: 0, gid: 0 }, 'root:x:0:0::/root:/bin/sh\n');

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A GNU sparse 1.0 member: the map (one region of `data`), then the data, as GNU tar writes it. */
function sparse10(records: [string, string][], data: string, header: Partial<Parameters<typeof headerBlock>[0]> = {}): Buffer {
  const map = blocks(`1\n0\n${data.length}\n`);
  const body = Buffer.concat([map, Buffer.from(data)]);
  return Buffer.concat([
    pax([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0'], ['GNU.sparse.realsize', String(data.length)], ...records]),
    entry({ name: 'GNUSparseFile.0/x', type: '0', mode: 0o644, ...header }, body),
  ]);
}

interface Case {
  title: string;
  archive: () => Buffer;
  /** Indexes (in Go's reading) of sparse members, whose expanded content is not the layer's bytes. */
  sparse?: number[];
}

/** Layers the rewriter must read as Go does. */
const SAME: Case[] = [
  {
    title: 'two x headers (path, then mtime): only the last counts, the ustar name stands',
    archive: () => Buffer.concat([passwd(), pax([['path', 'srv/decoy']]), pax([['mtime', '1']]), rootshell(), END]),
  },
  {
    title: 'two x headers (size, then mtime): the first one’s size does not count',
    archive: () => Buffer.concat([pax([['size', '1024']]), pax([['mtime', '1']]), entry({ name: 'srv/a', type: '0' }, 'hello'), rootshell(), END]),
  },
  {
    title: 'two x headers with different paths, sizes and mtimes: the last one’s',
    archive: () =>
      Buffer.concat([
        pax([
          ['path', 'srv/first'],
          ['size', '0'],
          ['mtime', '5'],
        ]),
        pax([
          ['path', 'opt/conda/second'],
          ['size', '700'],
          ['mtime', '6'],
        ]),
        headerBlock({ name: 'srv/ustar', type: '0', mode: 0o4755, size: 0 }),
        blocks('y'.repeat(700)),
        rootshell(),
        END,
      ]),
  },
  {
    title: 'two x headers with gids: the last one’s gid is the one zeroed',
    archive: () =>
      Buffer.concat([
        pax([['gid', '5']]),
        pax([
          ['gid', '7'],
          ['uid', '9'],
        ]),
        entry({ name: 'opt/conda/f', type: '0' }, 'f'),
        END,
      ]),
  },
  {
    title: 'x then g: the x header is dropped, the g header is a header of its own (its path its name), not applied to the member',
    archive: () =>
      Buffer.concat([
        pax([
          ['path', 'srv/decoy'],
          ['size', '9999'],
        ]),
        pax(
          [
            ['path', 'home/jovyan/global'],
            ['comment', 'g'],
          ],
          'g',
        ),
        rootshell(),
        pax([['path', 'srv/g2']], 'g'),
        entry({ name: 'opt/conda/after-g', type: '0', mode: 0o2755 }, 'x'),
        END,
      ]),
  },
  {
    title: 'GNU.sparse.name without version records or a map: not a sparse file, the name stands',
    archive: () => Buffer.concat([pax([['GNU.sparse.name', 'srv/decoy']]), rootshell(), END]),
  },
  {
    title: 'GNU.sparse.name with an unknown version (2.0), or with a major and no minor: not sparse',
    archive: () =>
      Buffer.concat([
        pax([
          ['GNU.sparse.major', '2'],
          ['GNU.sparse.minor', '0'],
          ['GNU.sparse.name', 'srv/decoy'],
        ]),
        rootshell(),
        pax([
          ['GNU.sparse.major', '1'],
          ['GNU.sparse.name', 'srv/decoy2'],
        ]),
        entry({ name: 'opt/conda/plain', type: '0', mode: 0o4755 }, 'p'),
        END,
      ]),
  },
  {
    title: 'GNU.sparse.name with version 1.0 records: the sparse name wins',
    archive: () => Buffer.concat([sparse10([['GNU.sparse.name', ROOTSHELL]], 'hello', { mode: 0o4755, uid: 0 }), END]),
    sparse: [0],
  },
  {
    title: 'GNU.sparse.name with a 0.0 map (offset/numbytes records): sparse, the sparse name wins',
    archive: () =>
      Buffer.concat([
        pax([
          ['GNU.sparse.size', '5'],
          ['GNU.sparse.numblocks', '1'],
          ['GNU.sparse.offset', '0'],
          ['GNU.sparse.numbytes', '5'],
          ['GNU.sparse.name', 'opt/conda/sparse00'],
        ]),
        entry({ name: 'srv/GNUSparseFile.0/x', type: '0', mode: 0o2755 }, 'hello'),
        END,
      ]),
    sparse: [0],
  },
  {
    title: 'a legacy type NUL: a directory by the name before the sparse name, not after',
    archive: () =>
      Buffer.concat([
        sparse10([['GNU.sparse.name', `${ROOTSHELL}/`]], 'hello', { type: '\0', mode: 0o4755, uid: 0 }),
        pax([['path', 'opt/conda/legacy-dir/']]),
        headerBlock({ name: 'srv/x', type: '\0', mode: 0o755, size: 0 }),
        entry({ name: 'opt/conda/legacy-file', type: '\0', mode: 0o4755 }, 'x'),
        END,
      ]),
    sparse: [0],
  },
  {
    title: 'GNU long name and long link with x records: L and K win over path and linkpath; the last L counts; an empty one does not',
    archive: () =>
      Buffer.concat([
        entry({ name: 'srv/target', type: '0', mode: 0o4755 }, 't'),
        entry({ name: 'opt/conda/target', type: '0', mode: 0o644 }, 'o'),
        pax([['path', 'srv/decoy']]),
        longName('L', `home/jovyan/${'l'.repeat(120)}`),
        rootshell({ magic: 'gnu' }),
        longName('L', 'srv/first-long'),
        longName('L', `home/jovyan/${'m'.repeat(120)}`),
        rootshell({ magic: 'gnu' }),
        pax([['linkpath', 'opt/conda/target']]),
        longName('K', 'srv/target'),
        headerBlock({ name: 'home/jovyan/hardlink', type: '1', mode: 0o4755, linkname: 'opt/conda/target' }),
        pax([['path', 'opt/conda/from-x']]),
        longName('L', ''),
        rootshell({ magic: 'gnu' }),
        END,
      ]),
  },
  {
    title: 'x, L, x: the last x with the L',
    archive: () =>
      Buffer.concat([
        pax([
          ['path', 'srv/one'],
          ['size', '3000'],
        ]),
        longName('L', ROOTSHELL),
        pax([
          ['linkpath', 'ignored'],
          ['uid', '0'],
        ]),
        rootshell({ name: 'srv/ustar', magic: 'gnu', uid: 1000 }),
        END,
      ]),
  },
  {
    title: 'an empty x header, and x records with empty values: the header fields stand',
    archive: () =>
      Buffer.concat([
        pax([]),
        rootshell(),
        pax([
          ['path', ''],
          ['size', ''],
          ['gid', ''],
        ]),
        rootshell({ name: 'home/jovyan/second' }),
        END,
      ]),
  },
  {
    title: 'a path record over a ustar prefix; a prefix alone',
    archive: () =>
      Buffer.concat([
        pax([['path', 'srv/from-pax']]),
        entry({ name: 'rootshell', prefix: 'home/jovyan/.local/bin', type: '0', mode: 0o4755 }, 'a'),
        entry({ name: 'rootshell', prefix: 'home/jovyan/.local/bin', type: '0', mode: 0o4755 }, 'b'),
        entry({ name: 'x', prefix: 'opt/conda/star', type: '0', mode: 0o4755, magic: 'star' }, 'c'),
        END,
      ]),
  },
  {
    title: 'a GNU header whose access and change times do not parse: Go reads a ustar prefix there (as pre-1.8 Go wrote it)',
    archive: () =>
      Buffer.concat([
        entry({ name: 'rootshell', prefix: 'home/jovyan/.local/bin', type: '0', mode: 0o4755, uid: 0, magic: 'gnu' }, 'a'),
        // Times that parse: no prefix.
        entry({ name: 'srv/gnu-times', prefix: '00000000001\x0000000000002', type: '0', mode: 0o4755, magic: 'gnu' }, 'b'),
        END,
      ]),
  },
  {
    title: 'numbers as Go parses them: a signed PAX size, a negative size on a symbolic link, base-256 owners',
    archive: () =>
      Buffer.concat([
        pax([['size', '+3']]),
        entry({ name: 'opt/conda/plus', type: '0', mode: 0o4755, size: 0 }, '').subarray(0, BLOCK),
        blocks('abc'),
        pax([['size', '-5']]),
        headerBlock({ name: 'opt/conda/sym', type: '2', mode: 0o777, linkname: 'plus' }),
        entry({ name: 'opt/conda/big', type: '0', uid: 3_000_000, gid: 4_000_000n }, 'big'),
        END,
      ]),
  },
  {
    title: 'header-only types carry no data whatever the size says; unknown types carry theirs',
    archive: () =>
      Buffer.concat([
        headerBlock({ name: 'opt/conda/dir/', type: '5', mode: 0o4755, size: 3 }),
        headerBlock({ name: 'opt/conda/fifo', type: '6', mode: 0o644, size: 512 }),
        entry({ name: 'opt/conda/vendor', type: 'Z', mode: 0o4755 }, 'z'.repeat(600)),
        rootshell(),
        END,
      ]),
  },
  {
    title: 'one zero block at the very end (Go stops there)',
    archive: () => Buffer.concat([rootshell(), Buffer.alloc(BLOCK)]),
  },
];

/** Layers the rewriter refuses: Go refuses them too (the engine could not have applied them) unless said otherwise. */
const REFUSED: (Case & { goReads?: true })[] = [
  { title: 'an x record with a NUL in a path', archive: () => Buffer.concat([pax([['path', 'srv/a\0b']]), rootshell(), END]) },
  { title: 'an x header whose data ends in NULs', archive: () => Buffer.concat([pax(Buffer.from('12 path=abc\n\0\0\0\0')), rootshell(), END]) },
  { title: 'an x record whose length is wrong', archive: () => Buffer.concat([pax(Buffer.from('13 path=abc\n')), rootshell(), END]) },
  { title: 'an x uid that is not a number', archive: () => Buffer.concat([pax([['uid', '0x10']]), rootshell(), END]) },
  { title: 'an x mtime that is not a time', archive: () => Buffer.concat([pax([['mtime', '1.5e3']]), rootshell(), END]) },
  { title: 'a negative PAX size on a file', archive: () => Buffer.concat([pax([['size', '-1']]), rootshell(), END]) },
  { title: 'a g header with an invalid record', archive: () => Buffer.concat([pax(Buffer.from('5 =x\n'), 'g'), rootshell(), END]) },
  {
    title: 'GNU sparse offsets out of order',
    archive: () =>
      Buffer.concat([
        pax([
          ['GNU.sparse.numbytes', '5'],
          ['GNU.sparse.offset', '0'],
        ]),
        rootshell(),
        END,
      ]),
  },
  {
    title: 'PAX sparse records on a directory',
    archive: () =>
      Buffer.concat([
        pax([
          ['GNU.sparse.major', '1'],
          ['GNU.sparse.minor', '0'],
        ]),
        headerBlock({ name: 'opt/conda/d/', type: '5' }),
        END,
      ]),
  },
  { title: 'an old GNU sparse header in a ustar block', archive: () => Buffer.concat([entry({ name: 'opt/conda/s', type: 'S', magic: 'ustar' }, 'x'), END]) },
  { title: 'a zero block followed by a header', archive: () => Buffer.concat([Buffer.alloc(BLOCK), rootshell(), END]) },
  {
    title: 'a checksum in base-256',
    archive: () => {
      const archive = Buffer.concat([rootshell(), END]);
      const header = archive.subarray(0, BLOCK);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
      const field = Buffer.alloc(8);
      field.writeUInt32BE(sum, 4);
      field[0] = 0x80;
      field.copy(header, 148);
      return archive;
    },
  },
  {
    title: 'an x uid beyond 2^53 (Go reads it; the rewriter does not follow)',
    archive: () => Buffer.concat([pax([['uid', '9007199254740993']]), rootshell(), END]),
    goReads: true,
  },
];

/** The rewriter's output in chunks of 97 bytes, and how it read each member. */
async function rewrite(input: Buffer): Promise<{ output: Buffer; readings: ReadMember[] }> {
  const rewriter = layerRewriter({ trees: TREES });
  const readings: ReadMember[] = [];
  rewriter.on('member', (member: ReadMember) => readings.push(member));
  const output = readAll(rewriter);
  const chunks = function* () {
    for (let at = 0; at < input.length; at += 97) yield input.subarray(at, at + 97);
  };
  Readable.from(chunks())
    .on('error', (e) => rewriter.destroy(e))
    .pipe(rewriter);
  return { output: await output, readings };
}

const fromGo = (h: GoHeader): Member => ({
  name: h.Name,
  linkname: h.Linkname,
  typeflag: h.Typeflag,
  mode: h.Mode,
  uid: h.Uid,
  gid: h.Gid,
  size: h.Size,
  sha256: h.Sha256,
});

const fromRewriter = (input: Buffer) => (m: ReadMember) => ({
  name: m.name,
  linkname: m.linkname,
  typeflag: m.typeflag,
  mode: m.mode,
  uid: m.uid,
  gid: m.gid,
  size: m.size,
  sha256: sha256(input.subarray(m.dataOffset, m.dataOffset + m.dataSize)),
});

/** Without the content digests of sparse members (Go gives their expanded content). */
const exceptSparse = (members: Member[], sparse: number[] = []) => members.map((m, i) => (sparse.includes(i) ? { ...m, sha256: undefined } : m));

describe('layer-rewrite against Go’s archive/tar (differential)', function () {
  this.timeout(120000);
  let go: GoTarReader;
  let remove: (() => Promise<void>) | undefined;

  before(async function () {
    const temp = await tempDir('tjs2i-go-tar-');
    remove = temp.remove;
    const reader = await buildGoTarReader(temp.dir);
    if (!reader) {
      if (process.env.TJS2I_REQUIRE_DOCKER === '1') throw new Error(NO_GO);
      this.skip();
    }
    go = reader;
  });

  after(() => remove?.());

  for (const c of SAME) {
    describe(c.title, () => {
      it('the rewriter reads every member as Go does', async () => {
        const input = c.archive();
        const expected = go(input);
        expect(expected.error, 'Go reads the whole layer').to.equal(undefined);
        const { readings } = await rewrite(input);
        expect(exceptSparse(readings.map(fromRewriter(input)), c.sparse)).to.deep.equal(exceptSparse(expected.headers.map(fromGo), c.sparse));
      });

      it('Go reads the output as the input, with the intended changes only', async () => {
        const input = c.archive();
        const { output } = await rewrite(input);
        expect(output.length).to.equal(input.length);
        const after = go(output);
        expect(after.error).to.equal(undefined);
        expect(after.headers.map(fromGo)).to.deep.equal(afterRewrite(go(input).headers.map(fromGo), TREES));
      });
    });
  }

  for (const c of REFUSED) {
    it(`refuses ${c.title}${c.goReads ? '' : ', as Go does'}`, async () => {
      const input = c.archive();
      expect(go(input).error, c.goReads ? 'Go reads it' : 'Go refuses it').to.satisfy((error: unknown) =>
        c.goReads ? error === undefined : error !== undefined,
      );
      const error = await rejectionOf(rewrite(input));
      expect(error).to.be.instanceOf(LayerTarError);
    });
  }

  /** The rewriter reads as Go does, and Go reads its output as the input with the intended changes. */
  const agreesWithGo = async (input: Buffer, expected: GoHeader[]) => {
    const { output, readings } = await rewrite(input);
    expect(readings.map(fromRewriter(input))).to.deep.equal(expected.map(fromGo));
    const after = go(output);
    expect(after.error).to.equal(undefined);
    expect(after.headers.map(fromGo)).to.deep.equal(afterRewrite(expected.map(fromGo), TREES));
  };

  it('random valid layers: read as Go reads them, rewritten as intended', async () => {
    await fc.assert(
      fc.asyncProperty(layerMembers, async (members) => {
        const input = encodeLayer(members);
        const expected = go(input);
        expect(expected.error).to.equal(undefined);
        await agreesWithGo(input, expected.headers);
      }),
      { numRuns: 60 },
    );
  });

  it('random layers with tangled metadata: where Go reads them, read as Go reads them and rewritten as intended; where Go cannot, refused or passed on', async () => {
    await fc.assert(
      fc.asyncProperty(tangledLayer, async (members) => {
        const input = encodeTangled(members);
        const expected = go(input);
        if (expected.error === undefined) return agreesWithGo(input, expected.headers);
        // The engine could not have applied such a layer: whatever the rewriter makes of it, it fails only as a LayerTarError.
        const error = await rewrite(input).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error !== undefined) expect(error).to.be.instanceOf(LayerTarError);
      }),
      { numRuns: 400 },
    );
  });

  it('the crafted base of issue 17 keeps no set-uid root file in a tree', async () => {
    const input = Buffer.concat([passwd(), pax([['path', 'srv/decoy']]), pax([['mtime', '1']]), rootshell(), END]);
    const shell = go((await rewrite(input)).output).headers.find((h) => h.Name === ROOTSHELL);
    expect(shell).to.include({ Mode: 0o775, Uid: 0, Gid: 0 });
  });
});
