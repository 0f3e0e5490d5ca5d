import { expect } from 'chai';
import type { FileFacts, ImageFiles } from '../../../src/check/image-files.js';
import { builderClaim, s2iFacts, s2iLine, writableTreesOf } from '../../../src/check/s2i-check.js';

/** An image's files: what each path leads to. */
function files(found: Record<string, Omit<FileFacts, 'real'>>): ImageFiles {
  return {
    stat: async () => undefined,
    fileAt: async (path) => (found[path] ? { real: path, ...found[path] } : undefined),
    read: async () => undefined,
    remove: async () => undefined,
  };
}

const SCRIPTS = { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' };
const runnable = { type: 'file', mode: 0o775, uid: 0, gid: 0 } as const;

describe('check: S2I builder', () => {
  it('judges an image a builder by its S2I labels, a tjs2i builder label, the builder tag, or --builder', () => {
    expect(builderClaim(SCRIPTS, false)).to.deep.equal({ claimed: true, why: 'label io.openshift.s2i.scripts-url' });
    expect(builderClaim({ 'io.tjs2i.builder.stack': 'minimal-notebook' }, false).claimed).to.equal(true);
    expect(builderClaim({ 'io.openshift.tags': 'python, builder' }, false).claimed).to.equal(true);
    expect(builderClaim({}, true)).to.deep.equal({ claimed: true, why: '--builder' });
    expect(builderClaim({ 'io.openshift.tags': 'jupyter' }, false)).to.deep.equal({ claimed: false, why: 'not a builder (no S2I builder label)' });
  });

  it('does not judge an image an S2I build made a builder, though it carries its builder labels', () => {
    const labels = { ...SCRIPTS, 'io.tjs2i.builder.stack': 'minimal-notebook', 'io.openshift.s2i.build.image': 'jupyter-minimal-notebook' };
    expect(builderClaim(labels, false)).to.deep.equal({ claimed: false, why: 'an image S2I built from jupyter-minimal-notebook, not a builder' });
    expect(s2iLine({ claim: builderClaim(labels, false), scripts: [] }).status).to.equal('skip');
  });

  it('passes a builder whose assemble and run are where its label says, runnable by group 0', async () => {
    const facts = await s2iFacts(SCRIPTS, false, files({ '/usr/libexec/s2i/assemble': runnable, '/usr/libexec/s2i/run': runnable }));
    expect(s2iLine(facts)).to.deep.include({ status: 'pass', found: 'io.openshift.s2i.scripts-url=image:///usr/libexec/s2i: assemble and run runnable' });
  });

  it('warns about a missing script, or one group 0 cannot run', async () => {
    const facts = await s2iFacts(SCRIPTS, false, files({ '/usr/libexec/s2i/assemble': { ...runnable, mode: 0o700, uid: 1000 } }));
    const result = s2iLine(facts);
    expect(result.status).to.equal('warn');
    expect(result.found).to.equal('image:///usr/libexec/s2i: /usr/libexec/s2i/assemble not runnable by group 0, /usr/libexec/s2i/run missing');
  });

  it('warns about a builder (by --builder) without the scripts URL label', async () => {
    const result = s2iLine(await s2iFacts({}, true, files({})));
    expect(result).to.deep.include({ status: 'warn', found: 'judged a builder (--builder) but no io.openshift.s2i.scripts-url label' });
    expect(result.advice).to.contain('image:///usr/libexec/s2i');
  });

  it('does not look for scripts outside the image', async () => {
    const facts = await s2iFacts({ 'io.openshift.s2i.scripts-url': 'https://example.org/s2i' }, false, files({}));
    expect(s2iLine(facts)).to.deep.include({ status: 'pass', found: 'scripts at https://example.org/s2i (outside the image: not looked at)' });
  });

  it("reads a tjs2i builder's writable trees from its label", () => {
    expect(writableTreesOf({ 'io.tjs2i.builder.writable-trees': '/home/jovyan:/opt/conda:relative' })).to.deep.equal(['/home/jovyan', '/opt/conda']);
    expect(writableTreesOf({})).to.deep.equal([]);
  });
});
