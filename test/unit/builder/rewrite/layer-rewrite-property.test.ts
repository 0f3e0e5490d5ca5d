/**
 * Property-based tests of the layer rewriter on random valid layers (random-layer.ts): it reads
 * every member as written, and its output keeps every name, mode, owner, time and byte but the
 * intended changes, read back by an independent reader (tar-stream), whatever the chunking.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import tar from 'tar-stream';
import { layerRewriter, type ReadMember } from '../../../../src/builder/rewrite/layer-rewrite.js';
import { afterRewrite, type Member } from '../../../support/unit/layer-rules-model.js';
import { encodeLayer, layerMembers, modelOf, TREES, type LayerMember } from '../../../support/unit/random-layer.js';
import { readAll } from '../../../support/unit/helpers.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The rewriter's output for `input` fed in chunks of the given sizes, and its reading of each member. */
async function rewrite(input: Buffer, sizes: readonly number[] = [input.length || 1]): Promise<{ output: Buffer; readings: ReadMember[] }> {
  const rewriter = layerRewriter({ trees: TREES });
  const readings: ReadMember[] = [];
  rewriter.on('member', (member: ReadMember) => readings.push(member));
  const output = readAll(rewriter);
  const chunks = function* () {
    for (let at = 0, i = 0; at < input.length; i++) {
      const size = sizes[i % sizes.length] as number;
      yield input.subarray(at, at + size);
      at += size;
    }
  };
  Readable.from(chunks())
    .on('error', (e) => rewriter.destroy(e))
    .pipe(rewriter);
  return { output: await output, readings };
}

const TYPEFLAGS: Record<string, string> = { file: '0', directory: '5', symlink: '2', link: '1' };

/** tar-stream's reading, with the PAX owner records it leaves to its caller applied. */
function readBack(archive: Buffer): Promise<(Member & { uname: string; mtime: number })[]> {
  return new Promise((resolve, reject) => {
    const members: (Member & { uname: string; mtime: number })[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        const pax = (header.pax ?? {}) as Record<string, string | undefined>;
        const paxId = (key: 'uid' | 'gid', fallback = 0) => Number(pax[key] ?? fallback);
        members.push({
          name: header.name,
          linkname: header.linkname ?? '',
          typeflag: TYPEFLAGS[header.type ?? ''] ?? `?${header.type}`,
          mode: header.mode ?? -1,
          uid: paxId('uid', header.uid),
          gid: paxId('gid', header.gid),
          size: data.length,
          sha256: sha256(data),
          gname: header.gname ?? '',
          uname: header.uname ?? '',
          mtime: header.mtime ? header.mtime.getTime() / 1000 : 0,
        });
        next();
      });
    });
    extract.once('finish', () => resolve(members));
    extract.once('error', reject);
    extract.end(archive);
  });
}

const withoutGname = ({ gname: _, ...member }: Member) => member;

describe('layer-rewrite on random valid layers (fast-check)', function () {
  this.timeout(120000);

  it('reads every member as it was written: name, link, type, mode, owner, size, data', async () => {
    await fc.assert(
      fc.asyncProperty(layerMembers, async (members) => {
        const input = encodeLayer(members);
        const { readings } = await rewrite(input);
        const read = readings.map((m) => ({
          name: m.name,
          linkname: m.linkname,
          typeflag: m.typeflag,
          mode: m.mode,
          uid: m.uid,
          gid: m.gid,
          size: m.size,
          sha256: sha256(input.subarray(m.dataOffset, m.dataOffset + m.dataSize)),
        }));
        expect(read).to.deep.equal(modelOf(members).map(withoutGname));
      }),
    );
  });

  it('keeps every name, mode, owner, time and byte but the intended changes, and the length', async () => {
    await fc.assert(
      fc.asyncProperty(layerMembers, async (members: LayerMember[]) => {
        const input = encodeLayer(members);
        const { output } = await rewrite(input);
        expect(output.length).to.equal(input.length);
        const after = await readBack(output);
        expect(after.map(({ uname: _, mtime: __, ...m }) => m)).to.deep.equal(afterRewrite(modelOf(members), TREES));
        expect(after.map((m) => [m.uname, m.mtime])).to.deep.equal(members.map((m) => [m.uname, m.mtime]));
      }),
    );
  });

  it('gives the same output for any chunking, and nothing more to change on a second pass', async () => {
    await fc.assert(
      fc.asyncProperty(layerMembers, fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 }), async (members, sizes) => {
        const input = encodeLayer(members);
        const { output } = await rewrite(input);
        expect((await rewrite(input, sizes)).output.equals(output)).to.equal(true);
        expect((await rewrite(output, sizes)).output.equals(output)).to.equal(true);
      }),
    );
  });
});
