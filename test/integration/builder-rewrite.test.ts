/**
 * The default builder path (export → tar-header rewrite → load) against the Dockerfile path on a
 * base image made to be awkward: hard links across the tree boundary both ways, symbolic links in,
 * out and dangling, a whiteout and an opaque directory, a file capability (security.capability
 * xattr), a set-uid file, a 1 GiB sparse file, a 0444 file and a 0700 directory; outside the trees,
 * set-id files that a later layer removes (one name of a hard-linked pair), hides (an opaque
 * directory) or puts behind a symbolic link (its directory replaced by one), and one with names
 * outside, in a tree, and outside again (the engine applies every link header's mode to the file). A listing of every
 * file of each image (type, mode, owner, size, link target, hash of small files, xattrs) must show
 * only the changes the builder is meant to make; the rewritten builder stays the base's size.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tjs2iTracked } from '../support/integration/engine-recorder.js';
import {
  docker,
  exec,
  imageId,
  leftoverContainers,
  newLeftovers,
  randomUid,
  spawnTjs2i,
  STANDIN,
  TEST_LABEL,
  tempDir,
  tjs2i,
  uniqueName,
} from '../support/integration/helpers.js';
import { runJupyter, tokenOf, JupyterClient, waitForJupyter } from '../support/integration/jupyter.js';

const TRICKY = `FROM ${STANDIN}
USER root
RUN set -eu; \\
    mkdir -p /home/jovyan/tricky /opt/conda/tricky/replaced/sub /srv/outside; \\
    echo in > /home/jovyan/tricky/in-file; echo out > /srv/outside/out-file; \\
    echo doomed > /opt/conda/tricky/deleted; echo old > /opt/conda/tricky/replaced/sub/old; \\
    echo ro > /opt/conda/tricky/readonly; mkdir /home/jovyan/tricky/private; echo secret > /home/jovyan/tricky/private/s; \\
    cp /bin/true /opt/conda/tricky/setuid; cp /bin/true /opt/conda/tricky/cap; \\
    chown -R 1000:100 /home/jovyan/tricky /opt/conda/tricky; \\
    ln /home/jovyan/tricky/in-file /srv/outside/hardlink-to-in; \\
    ln /srv/outside/out-file /opt/conda/tricky/hardlink-to-out; \\
    echo first > /etc/tricky-first; chown 1000:100 /etc/tricky-first; ln /etc/tricky-first /home/jovyan/tricky/hardlink-to-etc; \\
    ln -s /srv/outside/out-file /home/jovyan/tricky/symlink-out; \\
    ln -s /home/jovyan/tricky/in-file /srv/outside/symlink-in; \\
    ln -s /nonexistent /opt/conda/tricky/dangling; \\
    truncate -s 1G /opt/conda/tricky/sparse; \\
    chmod 0444 /opt/conda/tricky/readonly; chmod 0700 /home/jovyan/tricky/private; chmod 4755 /opt/conda/tricky/setuid; \\
    python3 -c "import os; os.setxattr('/opt/conda/tricky/cap', 'security.capability', bytes.fromhex('0100000200040000000000000000000000000000'))"; \
    cp /bin/true /srv/outside/suid-a; chmod 4755 /srv/outside/suid-a; ln /srv/outside/suid-a /srv/outside/suid-b; \
    mkdir /srv/gone /srv/opq; cp /bin/true /srv/gone/sgid; chmod 2755 /srv/gone/sgid; cp /bin/true /srv/opq/suid; chmod 4755 /srv/opq/suid; \
    cp /bin/true /etc/x-suid; chmod 4755 /etc/x-suid; ln /etc/x-suid /home/jovyan/x-suid; ln /etc/x-suid /usr/bin/x-suid
RUN rm /opt/conda/tricky/deleted && rm -rf /opt/conda/tricky/replaced && mkdir /opt/conda/tricky/replaced && echo new > /opt/conda/tricky/replaced/new && chown -R 1000:100 /opt/conda/tricky/replaced; \
    rm /srv/outside/suid-a; rm -rf /srv/gone /srv/opq; ln -s /srv/outside /srv/gone; mkdir /srv/opq; echo new > /srv/opq/new
USER jovyan
`;

/** One line per file system entry: path, type, mode, uid, gid, size, inode, links, link target, sha256 (small files), xattrs. */
const LISTING = `
import hashlib, os, stat, sys
skip = {'/proc', '/sys', '/dev', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/.dockerenv'}
dev = os.lstat('/').st_dev
def line(p):
    st = os.lstat(p)
    kind = 'd' if stat.S_ISDIR(st.st_mode) else 'l' if stat.S_ISLNK(st.st_mode) else 'f' if stat.S_ISREG(st.st_mode) else 'o'
    target = os.readlink(p) if kind == 'l' else ''
    digest = ''
    if kind == 'f' and st.st_size <= 65536:
        with open(p, 'rb') as f: digest = hashlib.sha256(f.read()).hexdigest()[:16]
    xattrs = ''
    if kind in 'fd':
        try: xattrs = ','.join(sorted(n + '=' + os.getxattr(p, n, follow_symlinks=False).hex() for n in os.listxattr(p, follow_symlinks=False)))
        except OSError: xattrs = '?'
    size = st.st_size if kind in 'fl' else 0
    print('\\t'.join([p, kind, '%o' % stat.S_IMODE(st.st_mode), str(st.st_uid), str(st.st_gid), str(size), str(st.st_ino), str(st.st_nlink), target, digest, xattrs]))
for root, dirs, files in os.walk('/'):
    dirs[:] = sorted(d for d in dirs if os.path.join(root, d) not in skip and os.lstat(os.path.join(root, d)).st_dev == dev)
    for name in dirs + sorted(files):
        p = os.path.join(root, name)
        if p not in skip: line(p)
`;

interface Entry {
  path: string;
  kind: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  ino: string;
  nlink: number;
  target: string;
  digest: string;
  xattrs: string;
}

async function listing(image: string): Promise<Map<string, Entry>> {
  const out = await docker('run', '--rm', '--label', TEST_LABEL, '--user', '0', '--entrypoint', 'python3', image, '-c', LISTING);
  const entries = new Map<string, Entry>();
  for (const l of out.split('\n')) {
    const [path, kind, mode, uid, gid, size, ino, nlink, target, digest, xattrs] = l.split('\t');
    entries.set(path!, {
      path: path!,
      kind: kind!,
      mode: parseInt(mode!, 8),
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
      ino: ino!,
      nlink: Number(nlink),
      target: target!,
      digest: digest!,
      xattrs: xattrs!,
    });
  }
  return entries;
}

const TREES = ['/home/jovyan', '/opt/conda'];
const inTree = (path: string) => TREES.some((t) => path === t || path.startsWith(`${t}/`));
const SCRIPTS = ['/usr/libexec/s2i', '/usr/libexec/s2i/assemble', '/usr/libexec/s2i/run', '/usr/libexec/s2i/usage'];

/**
 * What the builder should hold for a base entry: in a tree, group 0 and group bits from the user
 * bits (the Dockerfile's `chmod g+rwX` also adds rw), directories set-group-ID; no set-uid/set-gid
 * regular file anywhere; /etc/passwd group-writable. The rewrite keeps hard links, so a name out of
 * the trees of a file in a tree changes with it; the Dockerfile path's copy-up splits such links
 * (the name outside keeps the old file) and its chgrp drops a file capability.
 */
function expected(base: Entry, firstNames: Map<string, string>, method: 'rewrite' | 'dockerfile'): Entry {
  const e = { ...base };
  // A hard-linked file's first name in the layer tar (walk order) decides for all its names.
  const first = method === 'rewrite' && e.kind === 'f' && e.nlink > 1 ? firstNames.get(e.ino) : undefined;
  const treated = inTree(first ?? e.path);
  if (method === 'dockerfile' && treated && e.kind === 'f') {
    e.xattrs = e.xattrs
      .split(',')
      .filter((x) => x && !x.startsWith('security.capability='))
      .join(',');
  }
  if (e.kind === 'f') e.mode &= ~0o6000;
  if (treated && e.kind !== 'l') {
    e.gid = 0;
    const user = (e.mode >> 6) & 0o7;
    const anyX = e.kind === 'd' || (e.mode & 0o111) !== 0;
    const group = method === 'rewrite' ? user : 0o6 | (anyX ? 0o1 : 0);
    e.mode |= group << 3;
    if (e.kind === 'd') e.mode |= 0o2000;
  }
  if (e.path === '/etc/passwd') e.mode |= 0o020;
  return e;
}

const FIELDS = ['kind', 'mode', 'uid', 'gid', 'size', 'target', 'digest', 'xattrs'] as const;
const show = (e: Partial<Entry>) => FIELDS.map((f) => `${f}=${f === 'mode' ? e.mode?.toString(8) : e[f]}`).join(' ');

/** Every difference between the builder and what is expected from the base (symbolic links' group aside: it means nothing). */
function differences(base: Map<string, Entry>, builder: Map<string, Entry>, method: 'rewrite' | 'dockerfile'): string[] {
  // The engine's layer tar lists a directory's entries in lexical order: compare paths by component.
  const walkOrder = (a: string, b: string) => {
    const [x, y] = [a.split('/'), b.split('/')];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return x.length - y.length;
  };
  const firstNames = new Map<string, string>();
  for (const e of base.values()) {
    if (e.kind !== 'f' || e.nlink < 2) continue;
    const known = firstNames.get(e.ino);
    if (known === undefined || walkOrder(e.path, known) < 0) firstNames.set(e.ino, e.path);
  }
  const out: string[] = [];
  for (const [path, entry] of base) {
    const got = builder.get(path);
    if (!got) {
      out.push(`${path}: missing`);
      continue;
    }
    const want = expected(entry, firstNames, method);
    // A directory's size is the file system's business; a symbolic link's group means nothing
    // (chgrp -R changes it, the rewrite may not).
    const fields = FIELDS.filter((f) => !(f === 'size' && entry.kind === 'd') && !(f === 'gid' && entry.kind === 'l') && want[f] !== got[f]);
    if (fields.length) out.push(`${path}: want ${show(want)}, got ${show(got)}`);
  }
  for (const path of builder.keys()) if (!base.has(path) && !SCRIPTS.includes(path) && path !== '/usr/libexec') out.push(`${path}: new`);
  return out;
}

async function imageSize(name: string): Promise<number> {
  return Number(await docker('image', 'inspect', '--format', '{{.Size}}', name));
}

describe('tjs2i builder: layer rewrite vs Dockerfile on a tricky base image (real engine)', function () {
  this.timeout(900_000);
  const base = uniqueName('tricky-base');
  const rewritten = uniqueName('tricky-rewrite');
  const viaDockerfile = uniqueName('tricky-dockerfile');
  const runs: Record<string, { code: number | null; stderr: string; ms: number }> = {};

  before(async () => {
    const dir = await tempDir('tricky');
    try {
      await writeFile(join(dir.path, 'Dockerfile'), TRICKY);
      await docker('build', '-q', '--label', TEST_LABEL, '-t', base, dir.path);
    } finally {
      await dir.remove();
    }
    for (const [tag, extra] of [
      [rewritten, []],
      [viaDockerfile, ['--dockerfile']],
    ] as const) {
      const started = Date.now();
      const result = await tjs2iTracked(['builder', 'minimal-notebook', '--from', base, '--tag', tag, ...extra]);
      runs[tag] = { code: result.code, stderr: result.stderr, ms: Date.now() - started };
      expect(await result.leftoverContainers(), `${tag}: containers left`).to.deep.equal([]);
      expect(await result.leftoverTempFiles(), `${tag}: temporary files left`).to.deep.equal([]);
    }
    const sizes = await Promise.all([base, rewritten, viaDockerfile].map(imageSize));
    console.log(
      `      base ${(sizes[0]! / 1e6).toFixed(1)} MB; rewrite: ${(sizes[1]! / 1e6).toFixed(1)} MB in ${(runs[rewritten]!.ms / 1000).toFixed(1)} s; ` +
        `--dockerfile: ${(sizes[2]! / 1e6).toFixed(1)} MB in ${(runs[viaDockerfile]!.ms / 1000).toFixed(1)} s`,
    );
  });

  after(async () => {
    await exec('docker', ['rmi', '-f', rewritten, viaDockerfile, base]);
  });

  it('both paths make the builder, saying which trees group 0 may write; only the default runs no build container', async () => {
    for (const tag of [rewritten, viaDockerfile]) {
      expect(runs[tag]?.code, runs[tag]?.stderr).to.equal(0);
      expect(runs[tag]!.stderr).to.contain('tjs2i: group 0 may write /home/jovyan').and.contain('tjs2i: group 0 may write /opt/conda');
    }
    expect(runs[rewritten]!.stderr).to.contain('==> rewrite:').and.not.contain('==> build:');
    expect(runs[viaDockerfile]!.stderr).to.contain('==> build:').and.not.contain('==> rewrite:');
  });

  it('the rewritten builder is within 1 % of the base image size (the Dockerfile one is not)', async () => {
    const [b, r] = [await imageSize(base), await imageSize(rewritten)];
    expect(Math.abs(r - b) / b, `base ${b}, rewritten ${r}`).to.be.lessThan(0.01);
  });

  it('base layers with nothing in the trees are kept as they are; what must change outside the trees is in the extra layer', async () => {
    const layersOf = async (image: string) => JSON.parse(await docker('image', 'inspect', '--format', '{{json .RootFS.Layers}}', image)) as string[];
    const [b, r] = [await layersOf(base), await layersOf(rewritten)];
    // The stand-in's Debian and apt layers hold set-id programs but no tree: the same diff ids, so the
    // engine kept the layers it had instead of loading copies.
    expect(r.slice(0, 2)).to.deep.equal(b.slice(0, 2));
    expect(r).to.have.length(b.length + 1);
    const stderr = runs[rewritten]!.stderr;
    expect(stderr).to.match(/\(2 unchanged\)|\([3-9] unchanged\)/);
    for (const line of ['/usr/bin/su: mode 4755 -> 0755', '/srv/outside/suid-b: mode 4755 -> 0755', '/etc/passwd: mode 0644 -> 0664'])
      expect(stderr).to.contain(line);
    // Removed, hidden by an opaque directory, or behind a link: nothing to write (a directory written
    // at /srv/gone would hide the link).
    expect(stderr).not.to.match(/\/srv\/(outside\/suid-a|gone|opq)\S*: mode/);
  });

  it('every file of the base is there with only the expected changes, in both builders', async () => {
    const [b, r, d] = await Promise.all([listing(base), listing(rewritten), listing(viaDockerfile)]);
    // The tricky parts are there in the base as meant.
    expect(b.get('/opt/conda/tricky/cap')?.xattrs).to.equal('security.capability=0100000200040000000000000000000000000000');
    expect(b.get('/opt/conda/tricky/setuid')?.mode).to.equal(0o4755);
    expect(b.get('/opt/conda/tricky/sparse')?.size).to.equal(1024 ** 3);
    expect(b.has('/opt/conda/tricky/deleted')).to.equal(false);
    expect(b.has('/opt/conda/tricky/replaced/sub')).to.equal(false);
    expect(b.get('/srv/outside/hardlink-to-in')?.ino).to.equal(b.get('/home/jovyan/tricky/in-file')?.ino);
    expect(b.get('/opt/conda/tricky/dangling')?.target).to.equal('/nonexistent');
    expect(b.get('/srv/outside/suid-b')?.mode).to.equal(0o4755);
    expect(b.get('/home/jovyan/x-suid')).to.include({ mode: 0o4755, ino: b.get('/usr/bin/x-suid')?.ino });
    expect(b.get('/srv/gone')?.kind).to.equal('l');
    expect(b.has('/srv/opq/suid') || b.has('/srv/outside/suid-a')).to.equal(false);
    expect(b.size).to.be.greaterThan(5000);

    const fromRewrite = differences(b, r, 'rewrite');
    const fromDockerfile = differences(b, d, 'dockerfile');
    const report = `rewrite:\n${fromRewrite.slice(0, 30).join('\n')}\n--dockerfile:\n${fromDockerfile.slice(0, 30).join('\n')}`;
    expect(fromRewrite, report).to.deep.equal([]);
    expect(fromDockerfile, report).to.deep.equal([]);
    // What the rewrite keeps and the Dockerfile path loses: hard links across the trees' edge, the capability.
    expect(r.get('/srv/outside/hardlink-to-in')?.ino).to.equal(r.get('/home/jovyan/tricky/in-file')?.ino);
    expect(r.get('/srv/outside/out-file')?.ino).to.equal(r.get('/opt/conda/tricky/hardlink-to-out')?.ino);
    expect(r.get('/opt/conda/tricky/cap')?.xattrs).to.equal(b.get('/opt/conda/tricky/cap')?.xattrs);
    // A name in a tree of a file first named outside them opens nothing outside to group 0.
    expect(r.get('/home/jovyan/tricky/hardlink-to-etc')?.ino).to.equal(r.get('/etc/tricky-first')?.ino);
    expect(r.get('/etc/tricky-first')).to.include({ gid: 100, mode: 0o644 });
    for (const script of SCRIPTS.slice(1)) expect(r.get(script), script).to.include({ kind: 'f', mode: 0o755, uid: 0, gid: 0 });
  });

  it('a random UID with group 0 writes into /home/jovyan and /opt/conda, and Jupyter serves', async () => {
    const uid = randomUid();
    const jupyter = await runJupyter(rewritten, { user: `${uid}:0` });
    try {
      await waitForJupyter(jupyter);
      const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
      expect((await client.request('GET', '/api/contents')).status).to.equal(200);
      const script =
        'for d in /home/jovyan /home/jovyan/tricky /opt/conda /opt/conda/tricky/replaced; do mkdir "$d/p-$(id -u)" && echo x > "$d/p-$(id -u)/f" && echo "$d ok $(stat -c %g "$d/p-$(id -u)")"; done';
      expect(await jupyter.exec(script)).to.equal(
        ['/home/jovyan', '/home/jovyan/tricky', '/opt/conda', '/opt/conda/tricky/replaced'].map((d) => `${d} ok 0`).join('\n'),
      );
    } finally {
      await jupyter.stop();
    }
  });

  it('a failed run (interrupted during the load, or a tag the engine would refuse) moves no tag and leaves no image or container', async () => {
    const before = await imageId(rewritten);
    const containersBefore = await leftoverContainers();
    const images = async () =>
      (await docker('images', '-q', '--no-trunc', '--filter', `label=io.tjs2i.builder.base=${base}`)).split('\n').filter(Boolean).sort();
    const imagesBefore = await images();

    const run = spawnTjs2i(['builder', 'minimal-notebook', '--from', base, '--tag', rewritten]);
    // Once a first layer has gone through, the upload to the engine is under way.
    const deadline = Date.now() + 300_000;
    while (!/layer\.tar: [\d.]+ [kMG]?B/.test(run.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).to.equal(130);
    expect(run.stderr()).to.match(/^error: interrupted$/m);

    const invalid = await tjs2i(['builder', 'minimal-notebook', '--from', base, '--tag', 'Not/A:Valid Tag']);
    expect(invalid.code).to.equal(2);

    expect(await imageId(rewritten)).to.equal(before);
    // The engine may still be finishing the abandoned load: give it a moment.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await images()).to.deep.equal(imagesBefore);
    // The builder's only container is its (never started) inspection container; other test runs' build containers are not its business.
    expect((await newLeftovers(containersBefore)).filter((n) => n.startsWith('tjs2i-inspect-'))).to.deep.equal([]);
  });
});
