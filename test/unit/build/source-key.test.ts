import { expect } from 'chai';
import type { BuildOptions } from '../../../src/build/build-options.js';
import { hasSourceKey, keyedSource, sourceKey, type SourceKeyInputs } from '../../../src/build/source-key.js';

const OPTIONS: BuildOptions = { source: { location: '/home/teacher/course' }, builder: 'jupyter-minimal-notebook', output: 'course:latest' };
const INPUTS: SourceKeyInputs = { commitId: 'a'.repeat(40), commitRef: 'main', builderId: 'sha256:builder', fileEnv: [] };

describe('source key (an up-to-date build found before its clone)', () => {
  it('is a sha256 digest, the same for the same inputs', () => {
    const key = sourceKey(OPTIONS, INPUTS);
    expect(key).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(sourceKey({ ...OPTIONS }, { ...INPUTS })).to.equal(key);
  });

  it('changes with every input that can change the output image', () => {
    const key = sourceKey(OPTIONS, INPUTS);
    const changed: [string, BuildOptions, SourceKeyInputs][] = [
      ['commit', OPTIONS, { ...INPUTS, commitId: 'b'.repeat(40) }],
      ['branch cloned', OPTIONS, { ...INPUTS, commitRef: 'spring-term' }],
      ['builder id', OPTIONS, { ...INPUTS, builderId: 'sha256:other' }],
      ['-E file', OPTIONS, { ...INPUTS, fileEnv: [{ name: 'A', value: '1' }] }],
      ['builder name', { ...OPTIONS, builder: 'other:latest' }, INPUTS],
      ['work tree', { ...OPTIONS, source: { location: '/home/teacher/other' } }, INPUTS],
      ['--ref', { ...OPTIONS, source: { ...OPTIONS.source, ref: 'a'.repeat(40) } }, INPUTS],
      ['--context-dir', { ...OPTIONS, source: { ...OPTIONS.source, contextDir: 'week-1' } }, INPUTS],
      ['--ignore-submodules', { ...OPTIONS, source: { ...OPTIONS.source, ignoreSubmodules: true } }, INPUTS],
      ['-e', { ...OPTIONS, env: [{ name: 'COURSE', value: 'stats' }] }, INPUTS],
      ['-e value', { ...OPTIONS, env: [{ name: 'COURSE', value: 'maths' }] }, INPUTS],
      ['--scripts-url', { ...OPTIONS, scriptsUrl: 'image:///opt/s2i' }, INPUTS],
      ['--destination', { ...OPTIONS, destination: '/opt/app' }, INPUTS],
      ['--assemble-user', { ...OPTIONS, assembleUser: '1001' }, INPUTS],
      ['--allowed-uids', { ...OPTIONS, allowedUids: [{ min: 1000 }] }, INPUTS],
      ['--exclude', { ...OPTIONS, exclude: '' }, INPUTS],
      ['--incremental', { ...OPTIONS, incremental: true }, INPUTS],
      ['--application-name', { ...OPTIONS, applicationName: 'stats' }, INPUTS],
      ['--description', { ...OPTIONS, description: 'Statistics' }, INPUTS],
    ];
    const keys = changed.map(([what, options, inputs]) => [what, sourceKey(options, inputs)] as const);
    for (const [what, other] of keys) expect(other, what).to.be.a('string').and.not.equal(key);
    expect(new Set(keys.map(([, k]) => k)).size, 'all different').to.equal(keys.length);
    expect(sourceKey({ ...OPTIONS, env: [{ name: 'COURSE', value: 'stats' }] }, INPUTS)).to.not.equal(
      sourceKey({ ...OPTIONS, env: [{ name: 'COURSE', value: 'maths' }] }, INPUTS),
    );
  });

  it('every build option is either in the key or does not change the image (a new option must be placed here)', () => {
    const placed: Record<keyof BuildOptions, 'keyed' | 'not the image'> = {
      source: 'keyed',
      builder: 'keyed',
      output: 'not the image',
      env: 'keyed',
      environmentFile: 'keyed',
      scriptsUrl: 'keyed',
      destination: 'keyed',
      assembleUser: 'keyed',
      allowedUids: 'keyed',
      exclude: 'keyed',
      incremental: 'keyed',
      removePrevious: 'not the image',
      applicationName: 'keyed',
      description: 'keyed',
      pullPolicy: 'not the image',
      force: 'not the image',
      checkCache: 'not the image',
    };
    expect(Object.keys(placed)).to.have.length(17);
  });

  it('a context dir is keyed as the clone reads it: week-1/ is week-1', () => {
    const key = (contextDir: string) => sourceKey({ ...OPTIONS, source: { ...OPTIONS.source, contextDir } }, INPUTS);
    expect(key('week-1/')).to.equal(key('week-1'));
    expect(key('.')).to.equal(sourceKey(OPTIONS, INPUTS));
  });

  it('ignores what does not change the image: the output tag, --force, --rm, the pull policy', () => {
    const key = sourceKey(OPTIONS, INPUTS);
    expect(sourceKey({ ...OPTIONS, output: 'other:v2', force: true, removePrevious: true, pullPolicy: 'never' }, INPUTS)).to.equal(key);
  });

  it('none for scripts from a URL whose content may change under it', () => {
    for (const scriptsUrl of ['https://example.org/s2i', 'http://example.org/s2i', 'file:///opt/s2i', '/opt/s2i']) {
      expect(hasSourceKey({ scriptsUrl }), scriptsUrl).to.equal(false);
      expect(sourceKey({ ...OPTIONS, scriptsUrl }, INPUTS), scriptsUrl).to.equal(undefined);
    }
    expect(hasSourceKey({})).to.equal(true);
    expect(hasSourceKey({ scriptsUrl: 'image:///usr/libexec/s2i' })).to.equal(true);
  });

  it('only a work tree, at its HEAD or at a full commit id', () => {
    expect(keyedSource({ location: '.' }, 'work-tree')).to.equal(true);
    expect(keyedSource({ location: '.', ref: 'c'.repeat(40) }, 'work-tree')).to.equal(true);
    expect(keyedSource({ location: '.', ref: 'c'.repeat(64) }, 'work-tree')).to.equal(true);
    expect(keyedSource({ location: '.', ref: 'main' }, 'work-tree')).to.equal(false);
    expect(keyedSource({ location: '.', ref: 'c'.repeat(12) }, 'work-tree')).to.equal(false);
    expect(keyedSource({ location: '.', ref: 'C'.repeat(40) }, 'work-tree')).to.equal(false);
    expect(keyedSource({ location: 'https://example.org/c.git' }, 'git-url')).to.equal(false);
    expect(keyedSource({ location: '.', copy: true }, 'directory')).to.equal(false);
  });
});
