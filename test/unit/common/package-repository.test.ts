import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../src/common/package-files.js';
import { repositoryUrlOf, tjs2iRepositoryUrl } from '../../../src/common/package-repository.js';

describe('package-repository: the https URL of package.json "repository"', () => {
  it('reads a URL, dropping npm\'s "git+" prefix', () => {
    expect(repositoryUrlOf('https://github.com/o/r.git')).to.equal('https://github.com/o/r.git');
    expect(repositoryUrlOf({ type: 'git', url: 'git+https://gitlab.example.com/g/o/r.git' })).to.equal('https://gitlab.example.com/g/o/r.git');
  });

  it("expands npm's shorthands to https", () => {
    expect(repositoryUrlOf('o/r')).to.equal('https://github.com/o/r.git');
    expect(repositoryUrlOf('github:o/r')).to.equal('https://github.com/o/r.git');
    expect(repositoryUrlOf('gitlab:o/r.git')).to.equal('https://gitlab.com/o/r.git');
    expect(repositoryUrlOf('bitbucket:o/r')).to.equal('https://bitbucket.org/o/r.git');
  });

  it('gives nothing for a form a cluster cannot clone anonymously, a package in a subdirectory, or no field', () => {
    for (const field of [
      undefined,
      null,
      42,
      '',
      'git+ssh://git@github.com/o/r.git',
      'git@github.com:o/r.git',
      'gist:11081aaa281',
      'file:../r',
      { url: 'https://github.com/o/r.git', directory: 'packages/tjs2i' },
      { type: 'git' },
    ]) {
      expect(repositoryUrlOf(field), JSON.stringify(field)).to.equal(undefined);
    }
  });

  it("reads tjs2i's own package.json", async () => {
    const pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { repository?: unknown };
    expect(tjs2iRepositoryUrl()).to.equal(repositoryUrlOf(pkg.repository));
  });
});
