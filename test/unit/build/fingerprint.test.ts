import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildFingerprint,
  canonicalJson,
  describeScript,
  environmentDigest,
  FingerprintLabel,
  recordLabels,
  type FingerprintInputs,
} from '../../../src/build/fingerprint.js';
import { tempDir } from '../../support/unit/helpers.js';

const BASE: FingerprintInputs = {
  tjs2iVersion: '1.0.0',
  location: 'https://git.example.org/course.git',
  commit: 'a'.repeat(40),
  ref: 'main',
  builderId: 'sha256:builder',
  builderName: 'jupyter-minimal-notebook',
  scripts: ['assemble=image:/usr/libexec/s2i/assemble', 'run=image:/usr/libexec/s2i/run'],
  env: [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ],
  destination: '/tmp',
  assembleUser: '1000',
  copy: false,
  ignoreSubmodules: false,
  incremental: false,
};

describe('build fingerprint', () => {
  const base = buildFingerprint(BASE);

  it('is a sha256 digest, the same for the same inputs', () => {
    expect(base).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(buildFingerprint({ ...BASE })).to.equal(base);
  });

  const changes: [string, Partial<FingerprintInputs>][] = [
    ['the tjs2i version', { tjs2iVersion: '1.0.1' }],
    ['the source location', { location: 'https://git.example.org/other.git' }],
    ['the commit', { commit: 'b'.repeat(40) }],
    ['the ref', { ref: 'v1' }],
    ['the context dir', { contextDir: 'week1' }],
    ['the builder image id', { builderId: 'sha256:other' }],
    ['the builder name', { builderName: 'jupyter-scipy-notebook' }],
    ['a script', { scripts: ['assemble=source:sha256:00', 'run=image:/usr/libexec/s2i/run'] }],
    [
      'a variable value',
      {
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
        ],
      },
    ],
    ['a variable more', { env: [...BASE.env, { name: 'C', value: '' }] }],
    ['the destination', { destination: '/opt/app' }],
    ['the assemble user', { assembleUser: '1001' }],
    ['--exclude', { exclude: '' }],
    ['--copy', { copy: true }],
    ['--ignore-submodules', { ignoreSubmodules: true }],
    ['--incremental', { incremental: true }],
    ['-n', { applicationName: 'Stats' }],
    ['--description', { description: 'A course' }],
  ];
  for (const [what, change] of changes) {
    it(`changes with ${what}`, () => expect(buildFingerprint({ ...BASE, ...change })).to.not.equal(base));
  }

  it('does not depend on the order of the variables or the scripts', () => {
    expect(buildFingerprint({ ...BASE, env: [...BASE.env].reverse(), scripts: [...BASE.scripts].reverse() })).to.equal(base);
  });

  it('tells a value apart from a name (no ambiguous joining)', () => {
    expect(environmentDigest([{ name: 'A', value: '1,B' }])).to.not.equal(
      environmentDigest([
        { name: 'A', value: '1' },
        { name: 'B', value: '' },
      ]),
    );
  });

  it('canonical JSON sorts keys at every level and leaves out undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } })).to.equal('{"a":{"d":[2,{"x":2,"y":1}]},"b":1}');
  });

  it('labels: what it was built from, never a variable value; the fingerprint only for a commit', () => {
    const secretEnv = { ...BASE, env: [{ name: 'TOKEN', value: 's3cr3t-value' }] };
    const labels = recordLabels(secretEnv, true);
    expect(labels).to.deep.equal({
      [FingerprintLabel.fingerprint]: buildFingerprint(secretEnv),
      [FingerprintLabel.builderId]: 'sha256:builder',
      [FingerprintLabel.scripts]: 'assemble=image:/usr/libexec/s2i/assemble run=image:/usr/libexec/s2i/run',
      [FingerprintLabel.environment]: environmentDigest(secretEnv.env),
      [FingerprintLabel.version]: '1.0.0',
    });
    expect(JSON.stringify(labels)).to.not.contain('s3cr3t').and.not.contain('TOKEN');
    expect(recordLabels(BASE, false)[FingerprintLabel.fingerprint]).to.equal('');
  });

  it('describes a script in the image by its path, an uploaded one by a digest of its content', async () => {
    const { dir, remove } = await tempDir();
    try {
      expect(await describeScript({ name: 'run', origin: 'image', imagePath: '/usr/libexec/s2i/run' })).to.equal('run=image:/usr/libexec/s2i/run');
      await writeFile(join(dir, 'assemble'), '#!/bin/sh\n');
      const one = await describeScript({ name: 'assemble', origin: 'source', imagePath: '/tmp/scripts/assemble', hostPath: join(dir, 'assemble') });
      expect(one).to.match(/^assemble=source:sha256:[0-9a-f]{64}$/);
      await writeFile(join(dir, 'assemble'), '#!/bin/sh\necho changed\n');
      expect(await describeScript({ name: 'assemble', origin: 'source', imagePath: '/tmp/scripts/assemble', hostPath: join(dir, 'assemble') })).to.not.equal(
        one,
      );
    } finally {
      await remove();
    }
  });
});
