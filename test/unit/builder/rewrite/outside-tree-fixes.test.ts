import { expect } from 'chai';
import { directoryEntries, directoryHeader, fixedMode, planFixes, type FinalFileSystem } from '../../../../src/builder/rewrite/outside-tree-fixes.js';
import type { CapturedFile, DirHeader, LayerFindings } from '../../../../src/builder/rewrite/layer-rewrite.js';
import type { PathStat } from '../../../../src/engine/path-stat.js';
import { encodeEntry, END_OF_ARCHIVE, type TarEntryHeader } from '../../../../src/common/tar/raw-tar-entry.js';
import { rejectionOf } from '../../../support/unit/helpers.js';

const dir = (mode = 0o755, mtime = 1000): DirHeader => ({ mode, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime });
const stat = (type: PathStat['type'], size = 0, linkTarget = ''): PathStat => ({ name: '', size, type, mode: 0o755, linkTarget });

/** A final file system: stats by path, and files (whose archive is one entry named by its base name, as the engine sends it). */
function fileSystem(
  stats: Record<string, PathStat>,
  files: Record<string, { mode: number; data: string; extra?: [string, Buffer][] }>,
): FinalFileSystem & { stats: string[]; reads: string[] } {
  const seen = { stats: [] as string[], reads: [] as string[] };
  return {
    ...seen,
    async stat(path) {
      seen.stats.push(path);
      return stats[path];
    },
    async read(path) {
      seen.reads.push(path);
      const f = files[path];
      if (!f) return undefined;
      const header: TarEntryHeader = {
        path: path.split('/').pop()!,
        type: 'file',
        mode: f.mode,
        uid: 0,
        gid: 7,
        uname: 'root',
        gname: 'lp',
        mtime: 1234,
        size: f.data.length,
        extra: f.extra ?? [],
      };
      return Buffer.concat([encodeEntry(header, Buffer.from(f.data)), END_OF_ARCHIVE]);
    },
  };
}

const layer = (
  candidates: string[],
  dirs: Record<string, DirHeader> = {},
  captured: Record<string, CapturedFile> = {},
  touches: string[] = [],
): LayerFindings => ({
  candidates,
  dirs: new Map(Object.entries(dirs)),
  captured: new Map(Object.entries(captured)),
  mayTouch: (path) => touches.includes(path),
});

const kept = (path: string, mode: number, data: string, mtime = 500): CapturedFile => ({
  header: {
    path: path.slice(1),
    type: 'file',
    mode,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    mtime,
    size: data.length,
    extra: [['SCHILY.xattr.user.k', Buffer.from([0xff])]],
  },
  data: Buffer.from(data),
});
const fileStat = (size: number, mode: number, special: number, mtime: number): PathStat => ({
  name: '',
  size,
  type: 'file',
  mode,
  linkTarget: '',
  special,
  mtime,
});

describe('final-fixes: set-id files and /etc/passwd fixed in the extra layer', () => {
  it('fixedMode: set-uid and set-gid go, /etc/passwd becomes group-writable', () => {
    expect(fixedMode(0o4755)).to.equal(0o755);
    expect(fixedMode(0o2755)).to.equal(0o755);
    expect(fixedMode(0o644, true)).to.equal(0o664);
    expect(fixedMode(0o4644, true)).to.equal(0o664);
    expect(fixedMode(0o1777)).to.equal(0o1777);
  });

  it('writes again what is still a set-id file or /etc/passwd in the final file system, with its owner, time, content and xattrs', async () => {
    const capability: [string, Buffer] = ['SCHILY.xattr.security.capability', Buffer.from([1, 0, 0, 2, 0xff])];
    const fs = fileSystem(
      {
        '/usr': stat('directory'),
        '/usr/bin': stat('directory'),
        '/etc': stat('directory'),
        '/usr/bin/su': stat('file', 3),
        '/etc/passwd': stat('file', 5),
        '/usr/bin/now-plain': stat('file', 1),
      },
      {
        '/usr/bin/su': { mode: 0o4755, data: 'su\n', extra: [capability] },
        '/etc/passwd': { mode: 0o644, data: 'root\n' },
        '/usr/bin/now-plain': { mode: 0o755, data: 'p' },
      },
    );
    const plan = await planFixes(
      [layer(['/etc/passwd', '/usr/bin/su', '/usr/bin/now-plain'], { '/usr/bin': dir(0o755, 1) }), layer(['/etc/passwd'], { '/usr/bin': dir(0o755, 2) })],
      fs,
    );
    expect(plan.files.map((f) => [f.header.path, f.header.mode.toString(8), f.was.toString(8), f.data.toString()])).to.deep.equal([
      ['etc/passwd', '664', '644', 'root\n'],
      ['usr/bin/su', '755', '4755', 'su\n'],
    ]);
    expect(plan.files[1]!.header).to.include({ type: 'file', uid: 0, gid: 7, gname: 'lp', mtime: 1234, size: 3 });
    expect(plan.files[1]!.header.extra).to.deep.equal([capability]);
    // Their parents that have a header (the highest layer's wins).
    expect(plan.parents.map((p) => [p.path, p.type, p.mtime])).to.deep.equal([['usr/bin', 'directory', 2]]);
    // Each candidate once.
    expect(fs.reads.sort()).to.deep.equal(['/etc/passwd', '/usr/bin/now-plain', '/usr/bin/su']);
  });

  it("uses the layers' own copy when the engine's stat agrees and no layer above touched the name: no read", async () => {
    const dirs = { '/usr': stat('directory'), '/usr/bin': stat('directory') };
    const su = kept('/usr/bin/su', 0o4755, 'su\n');
    const fs = fileSystem({ ...dirs, '/usr/bin/su': fileStat(3, 0o755, 0o4000, 500) }, {});
    const plan = await planFixes([layer(['/usr/bin/su'], {}, { '/usr/bin/su': su }), layer([])], fs);
    expect(fs.reads).to.deep.equal([]);
    expect(plan.files.map((f) => [f.header.path, f.header.mode.toString(8), f.data.toString()])).to.deep.equal([['usr/bin/su', '755', 'su\n']]);
    expect(plan.files[0]!.header.extra).to.deep.equal(su.header.extra);
  });

  it("reads the engine's copy when a layer above touched the name, or the stat disagrees with the kept copy", async () => {
    const dirs = { '/usr': stat('directory'), '/usr/bin': stat('directory') };
    const files = { '/usr/bin/su': { mode: 0o4755, data: 'new' } };
    for (const [layers, now] of [
      [
        [layer(['/usr/bin/su'], {}, { '/usr/bin/su': kept('/usr/bin/su', 0o4755, 'old') }), layer([], {}, {}, ['/usr/bin/su'])],
        fileStat(3, 0o755, 0o4000, 500),
      ],
      [[layer(['/usr/bin/su'], {}, { '/usr/bin/su': kept('/usr/bin/su', 0o4755, 'old') })], fileStat(3, 0o755, 0o4000, 501)],
      [[layer(['/usr/bin/su'], {}, { '/usr/bin/su': kept('/usr/bin/su', 0o4755, 'old') })], fileStat(3, 0o755, 0o6000, 500)],
      [[layer(['/usr/bin/su'], {}, { '/usr/bin/su': kept('/usr/bin/su', 0o4755, 'old') })], fileStat(4, 0o755, 0o4000, 500)],
    ] as const) {
      const fs = fileSystem({ ...dirs, '/usr/bin/su': now }, files);
      const plan = await planFixes(layers, fs);
      expect(fs.reads).to.deep.equal(['/usr/bin/su']);
      expect(plan.files.map((f) => f.data.toString())).to.deep.equal(['new']);
    }
  });

  it('asks nothing more when the stat shows no set-id bit (and /etc/passwd already group-writable)', async () => {
    const fs = fileSystem({ '/etc': stat('directory'), '/etc/passwd': fileStat(5, 0o664, 0, 500), '/etc/x': fileStat(1, 0o755, 0, 500) }, {});
    const plan = await planFixes([layer(['/etc/passwd', '/etc/x'])], fs);
    expect(plan.files).to.deep.equal([]);
    expect(fs.reads).to.deep.equal([]);
  });

  it('leaves alone a name that is gone or no longer a file; follows a parent that became a link to the file it leads to', async () => {
    const fs = fileSystem(
      {
        '/srv': stat('directory'),
        '/srv/gone-dir': stat('symlink', 0, '/srv/elsewhere'),
        '/srv/elsewhere': stat('directory'),
        '/srv/elsewhere/sgid': fileStat(1, 0o755, 0o2000, 7),
        '/srv/now-a-dir': stat('directory'),
        '/srv/to-conda': stat('symlink', 0, '/opt/conda/bin/x'),
        '/opt': stat('directory'),
        '/opt/conda': stat('directory'),
        '/opt/conda/bin': stat('directory'),
        '/opt/conda/bin/x': fileStat(1, 0o775, 0, 7),
      },
      { '/srv/elsewhere/sgid': { mode: 0o2755, data: 'x' }, '/srv/gone-dir/sgid': { mode: 0o2755, data: 'wrong' } },
    );
    const plan = await planFixes([layer(['/srv/removed', '/srv/gone-dir/sgid', '/srv/elsewhere/sgid', '/srv/now-a-dir', '/srv/to-conda'])], fs, {
      trees: ['/opt/conda'],
    });
    // Fixed once, where it is (never under the link); a file now in a tree is the layers' business.
    expect(plan.files.map((f) => [f.header.path, f.header.mode.toString(8), f.data.toString()])).to.deep.equal([['srv/elsewhere/sgid', '755', 'x']]);
    expect(fs.reads).to.deep.equal(['/srv/elsewhere/sgid']);
  });

  it("the scripts' directory goes where its parent really is, with the parents' headers", async () => {
    const dirs = { '/usr': dir(0o755, 1), '/usr/libexec': dir(0o711, 2), '/opt': dir(0o755, 3), '/opt/linked': dir(0o700, 4), '/srv': dir(0o750, 5) };
    const fs = fileSystem(
      {
        '/usr': stat('directory'),
        '/usr/libexec': { ...stat('directory'), mode: 0o711 },
        '/opt': stat('directory'),
        '/opt/linked': stat('symlink', 0, '/srv'),
        '/srv': { ...stat('directory'), mode: 0o750 },
      },
      {},
    );
    const plain = await planFixes([layer([], dirs)], fs, { scriptsDir: '/usr/libexec/s2i' });
    expect(plain.scriptsDir).to.equal('/usr/libexec/s2i');
    expect(plain.parents.map((p) => [p.path, p.mode.toString(8)])).to.deep.equal([
      ['usr', '755'],
      ['usr/libexec', '711'],
    ]);
    const linked = await planFixes([layer([], dirs)], fs, { scriptsDir: '/opt/linked/s2i' });
    expect(linked.scriptsDir).to.equal('/srv/s2i');
    expect(linked.parents.map((p) => [p.path, p.mode.toString(8)])).to.deep.equal([['srv', '750']]);
    // The directory itself a link: where it leads.
    const whole = fileSystem(
      {
        '/usr': stat('directory'),
        '/usr/libexec': stat('directory'),
        '/usr/libexec/s2i': stat('symlink', 0, '/srv/s'),
        '/srv': stat('directory'),
        '/srv/s': stat('directory'),
      },
      {},
    );
    expect((await planFixes([layer([], dirs)], whole, { scriptsDir: '/usr/libexec/s2i' })).scriptsDir).to.equal('/srv/s');
    // A link to a path that is not there yet: that path (the engine makes it, and the link then leads to it).
    const dangling = fileSystem(
      { '/usr': stat('directory'), '/usr/libexec': stat('directory'), '/usr/libexec/s2i': stat('symlink', 0, '/srv/s2i'), '/srv': stat('directory') },
      {},
    );
    expect((await planFixes([layer([], dirs)], dangling, { scriptsDir: '/usr/libexec/s2i' })).scriptsDir).to.equal('/srv/s2i');
    // A parent that is not there: the default, and the engine makes it.
    expect((await planFixes([layer([])], fileSystem({}, {}), { scriptsDir: '/usr/libexec/s2i' })).scriptsDir).to.equal('/usr/libexec/s2i');
  });

  it("refuses a scripts' directory that is a file, lies under a file, or is a link that cannot be followed", async () => {
    const base = { '/usr': stat('directory'), '/usr/libexec': stat('directory') };
    for (const stats of [
      { ...base, '/usr/libexec/s2i': stat('file', 3) },
      { '/usr': stat('directory'), '/usr/libexec': stat('file', 3) },
      { ...base, '/usr/libexec/s2i': stat('symlink', 0, 'relative') },
    ]) {
      const error = (await rejectionOf(planFixes([layer([])], fileSystem(stats, {}), { scriptsDir: '/usr/libexec/s2i' }))) as Error;
      expect(error.message).to.match(/^\/usr\/libexec\/s2i in the base image is not a directory/);
    }
  });

  it("leaves the scripts' own names to the extra layer, and fixes any other set-id file in their directory", async () => {
    const fs = fileSystem(
      {
        '/usr': stat('directory'),
        '/usr/libexec': stat('directory'),
        '/usr/libexec/s2i': stat('directory'),
        '/usr/libexec/s2i/run': stat('file', 1),
        '/usr/libexec/s2i/save-artifacts': stat('file', 1),
      },
      { '/usr/libexec/s2i/run': { mode: 0o4755, data: 'r' }, '/usr/libexec/s2i/save-artifacts': { mode: 0o4755, data: 's' } },
    );
    const plan = await planFixes([layer(['/usr/libexec/s2i/run', '/usr/libexec/s2i/save-artifacts'])], fs, {
      scriptsDir: '/usr/libexec/s2i',
      scripts: ['assemble', 'run', 'usage'],
    });
    expect(plan.files.map((f) => [f.header.path, f.header.mode.toString(8)])).to.deep.equal([['usr/libexec/s2i/save-artifacts', '755']]);
  });

  it('/etc/passwd behind a link: the file it leads to becomes group-writable, once, even when no layer named /etc/passwd a file', async () => {
    const fs = fileSystem(
      { '/etc': stat('directory'), '/etc/passwd': stat('symlink', 0, '/srv/passwd'), '/srv': stat('directory'), '/srv/passwd': stat('file', 5) },
      { '/srv/passwd': { mode: 0o644, data: 'root\n' } },
    );
    // A layer with /srv/passwd (0644, no candidate) and a link etc/passwd: the rewriter names no candidate.
    for (const candidates of [[], ['/srv/passwd']]) {
      const plan = await planFixes([layer(candidates)], fs);
      expect(plan.files.map((f) => [f.header.path, f.header.mode.toString(8)])).to.deep.equal([['srv/passwd', '664']]);
    }
    // No /etc/passwd at all: nothing to do (run then goes on without an entry).
    expect((await planFixes([layer([])], fileSystem({ '/etc': stat('directory') }, {}))).files).to.deep.equal([]);
  });

  it("counts the layers' kept copies against the cap too", async () => {
    const names = ['/srv/a', '/srv/b'];
    const fs = fileSystem({ '/srv': stat('directory'), '/srv/a': fileStat(600, 0o755, 0o4000, 500), '/srv/b': fileStat(600, 0o755, 0o4000, 500) }, {});
    const captured = Object.fromEntries(names.map((n) => [n, kept(n, 0o4755, 'x'.repeat(600))]));
    await planFixes([layer(names, {}, captured)], fs, { maxBytes: 1200 });
    const error = (await rejectionOf(planFixes([layer(names, {}, captured)], fs, { maxBytes: 1000 }))) as Error;
    expect(error.message).to.contain('(600 bytes)');
    expect(fs.reads).to.deep.equal([]);
  });

  it('stops asking the engine after a failure', async () => {
    // The first candidate fails at once; the others are slow successes: the workers ask for at most
    // the ones they had started, not for all 40.
    const names = Array.from({ length: 40 }, (_, i) => `/srv/f${String(i).padStart(2, '0')}`);
    const asked: string[] = [];
    const fs: FinalFileSystem = {
      async stat(path) {
        if (path === '/srv') return stat('directory');
        if (!path.startsWith('/srv/')) return undefined;
        asked.push(path);
        if (path === '/srv/f00') throw new Error('engine gone');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return fileStat(1, 0o755, 0, 1);
      },
      read: async () => undefined,
    };
    const error = (await rejectionOf(planFixes([layer(names)], fs))) as Error;
    expect(error.message).to.equal('engine gone');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(asked.length).to.be.within(1, 4);
  });

  it('refuses set-id files larger than the cap, with a hint to use --dockerfile', async () => {
    const fs = fileSystem({ '/usr': stat('directory'), '/usr/bin': stat('directory'), '/usr/bin/big': stat('file', 2000) }, {});
    const error = (await rejectionOf(planFixes([layer(['/usr/bin/big'])], fs, { maxBytes: 1000 }))) as Error;
    expect(error.message).to.contain('/usr/bin/big (2000 bytes)');
    expect(String((error as { hint?: string }).hint ?? error.message)).to.contain('--dockerfile');
  });

  it('directoryEntries: the given directories and those above them that have a header, parents first, each once', () => {
    const dirs = new Map([
      ['/usr', dir(0o755, 10)],
      ['/usr/bin', dir(0o750, 11)],
      ['/etc', dir(0o755, 12)],
    ]);
    const entries = directoryEntries(['/usr/bin', '/usr/bin', '/etc', '/usr/libexec/s2i'], (d) => dirs.get(d));
    expect(entries.map((e) => [e.path, e.type, e.mode.toString(8), e.mtime])).to.deep.equal([
      ['etc', 'directory', '755', 12],
      ['usr', 'directory', '755', 10],
      ['usr/bin', 'directory', '750', 11],
    ]);
  });

  it("directoryHeader: the layers' header for a directory there now (whatever the engine's mode says); the engine's when no layer has one; none when no directory is there", () => {
    const now = (mode: number, special?: number, mtime?: number): PathStat => ({
      ...stat('directory'),
      mode,
      ...(special === undefined ? {} : { special }),
      ...(mtime === undefined ? {} : { mtime }),
    });
    const header = { ...dir(0o2750, 5), uid: 7, gid: 8 };
    expect(directoryHeader(header, now(0o750, 0o2000, 99))).to.equal(header);
    expect(directoryHeader(header, now(0o750))).to.equal(header);
    // The inspection container's init layer: /etc shows root 0755 and the container's time.
    expect(directoryHeader(header, now(0o755, 0, 1_764_200_000))).to.equal(header);
    expect(directoryHeader(undefined, now(0o711, 0o1000, 3))).to.deep.equal({ mode: 0o1711, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 3 });
    expect(directoryHeader(undefined, now(0o711))).to.equal(undefined);
    expect(directoryHeader(header, undefined)).to.equal(undefined);
    expect(directoryHeader(header, stat('symlink', 0, '/x'))).to.equal(undefined);
  });

  it("keeps the layers' header of /etc when the engine's stat shows the init layer's", async () => {
    const fs = fileSystem(
      { '/etc': { ...stat('directory'), mode: 0o755, special: 0, mtime: 1_764_200_000 }, '/etc/passwd': fileStat(5, 0o644, 0, 9) },
      { '/etc/passwd': { mode: 0o644, data: 'root\n' } },
    );
    const plan = await planFixes([layer([], { '/etc': dir(0o775, 4) })], fs);
    expect(plan.parents.map((p) => [p.path, p.mode.toString(8), p.mtime])).to.deep.equal([['etc', '775', 4]]);
    expect(plan.files.map((f) => [f.header.path, f.header.mode.toString(8)])).to.deep.equal([['etc/passwd', '664']]);
  });

  it('does not bring back a directory a later layer removed (the engine makes the parent as for any new path)', async () => {
    // Layer 1 has usr/libexec/ 0700 owned by 7; layer 2 removes it: the scripts' parent is not there now.
    const dirs = { '/usr': dir(0o755, 1), '/usr/libexec': { ...dir(0o700, 2), uid: 7 } };
    const fs = fileSystem({ '/usr': stat('directory') }, {});
    const plan = await planFixes([layer([], dirs), layer([], {}, {}, ['/usr/libexec'])], fs, { scriptsDir: '/usr/libexec/s2i' });
    expect(plan.scriptsDir).to.equal('/usr/libexec/s2i');
    expect(plan.parents.map((p) => [p.path, p.mode.toString(8), p.uid])).to.deep.equal([['usr', '755', 0]]);
  });

  it("keeps the header of a scripts' directory the base has", async () => {
    const dirs = { '/usr': dir(0o755, 1), '/usr/libexec': dir(0o755, 2), '/usr/libexec/s2i': { ...dir(0o750, 3), gid: 5 } };
    const fs = fileSystem({ '/usr': stat('directory'), '/usr/libexec': stat('directory'), '/usr/libexec/s2i': { ...stat('directory'), mode: 0o750 } }, {});
    const plan = await planFixes([layer([], dirs)], fs, { scriptsDir: '/usr/libexec/s2i' });
    expect(plan.parents.map((p) => [p.path, p.mode.toString(8), p.gid, p.mtime])).to.deep.equal([
      ['usr', '755', 0, 1],
      ['usr/libexec', '755', 0, 2],
      ['usr/libexec/s2i', '750', 5, 3],
    ]);
  });

  it("refuses a scripts' directory that leads into a tree", async () => {
    const fs = fileSystem(
      {
        '/usr': stat('directory'),
        '/usr/libexec': stat('directory'),
        '/usr/libexec/s2i': stat('symlink', 0, '/opt/conda/s2i'),
        '/opt': stat('directory'),
        '/opt/conda': stat('directory'),
      },
      {},
    );
    const error = (await rejectionOf(planFixes([layer([])], fs, { scriptsDir: '/usr/libexec/s2i', trees: ['/opt/conda'] }))) as Error;
    expect(error.message).to.equal(
      '/usr/libexec/s2i in the base image leads into /opt/conda, a tree the builder makes group-writable, where this path cannot put its S2I scripts',
    );
    expect(String((error as { hint?: string }).hint)).to.contain('--dockerfile');
  });

  it('refuses a file in a tree still in need of a fix, reached through a link from outside', async () => {
    const fs = fileSystem(
      {
        '/opt': stat('directory'),
        '/opt/alias': stat('symlink', 0, '/opt/conda'),
        '/opt/conda': stat('directory'),
        '/opt/conda/bin': stat('directory'),
        '/opt/conda/bin/x': fileStat(1, 0o755, 0o4000, 7),
      },
      {},
    );
    const error = (await rejectionOf(planFixes([layer(['/opt/alias/bin/x'])], fs, { trees: ['/opt/conda'] }))) as Error;
    expect(error.message).to.equal('/opt/conda/bin/x (reached as /opt/alias/bin/x) is in /opt/conda but its mode 4755 was not fixed by the layers');
  });

  it('refuses a file whose engine archive is not the file its stat showed', async () => {
    const directory = Buffer.concat([
      encodeEntry({ path: 'x', type: 'directory', mode: 0o755, uid: 0, gid: 0, uname: '', gname: '', mtime: 1, size: 0 }),
      END_OF_ARCHIVE,
    ]);
    // Nothing there by the time of the read; a directory there (replaced between the stat and the read).
    for (const archive of [undefined, directory]) {
      const fs = { ...fileSystem({ '/srv': stat('directory'), '/srv/x': fileStat(1, 0o755, 0o4000, 7) }, {}), read: async () => archive };
      const error = (await rejectionOf(planFixes([layer(['/srv/x'])], fs))) as Error;
      expect(error.message).to.equal(`/srv/x was a file in the base image's stat but the engine's archive of it ${archive ? 'is a directory' : 'is empty'}`);
    }
  });
});
