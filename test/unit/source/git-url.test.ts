import { expect } from 'chai';
import { isGitUrl, looksLikeCommitId, parseLsRemote, planRef, type RemoteRefs } from '../../../src/source/git-url.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const E = 'e'.repeat(40);
const F = 'f'.repeat(40);

describe('git-url', () => {
  describe('isGitUrl', () => {
    const urls = [
      'https://github.com/org/repo.git',
      'http://git.example.com/repo',
      'HTTPS://GITHUB.COM/org/repo',
      'ssh://git@github.com/org/repo.git',
      'git://git.example.com/repo.git',
      'file:///srv/git/repo',
      'git+ssh://git@host/repo',
      'ssh+git://git@host/repo',
      'git@github.com:org/repo.git',
      'deploy.bot@git.example.com:team/course',
    ];
    for (const url of urls) {
      it(`recognises ${url}`, () => expect(isGitUrl(url)).to.equal(true));
    }

    const notUrls = ['/home/me/course', './course', '../course', 'course', 'course/sub dir', '.', 'C:/not/a/url', 'ftp://host/repo', 'user@host://weird', ''];
    for (const path of notUrls) {
      it(`treats ${JSON.stringify(path)} as a local path`, () => expect(isGitUrl(path)).to.equal(false));
    }
  });

  describe('looksLikeCommitId', () => {
    it('accepts 4 to 40 hex digits', () => {
      expect(looksLikeCommitId('abcd')).to.equal(true);
      expect(looksLikeCommitId('ABCDEF0123')).to.equal(true);
      expect(looksLikeCommitId(A)).to.equal(true);
    });
    it('rejects short, long and non-hex refs', () => {
      expect(looksLikeCommitId('abc')).to.equal(false);
      expect(looksLikeCommitId('a'.repeat(41))).to.equal(false);
      expect(looksLikeCommitId('main')).to.equal(false);
      expect(looksLikeCommitId('v1.0')).to.equal(false);
    });
  });

  describe('parseLsRemote', () => {
    const output = [
      `${A}\tHEAD`,
      `${A}\trefs/heads/main`,
      `${B}\trefs/heads/feature/x`,
      `${C}\trefs/tags/v1`,
      `${D}\trefs/tags/v1^{}`,
      `${E}\trefs/tags/light`,
      `${F}\trefs/pull/1/head`,
      '',
    ].join('\n');

    it('reads HEAD, branches and tags', () => {
      const refs = parseLsRemote(output);
      expect(refs.head).to.equal(A);
      expect([...refs.branches.entries()]).to.deep.equal([
        ['main', A],
        ['feature/x', B],
      ]);
      expect(refs.tags.get('light')).to.equal(E);
      expect([...refs.tags.keys()]).to.have.members(['v1', 'light']);
    });

    it('prefers the peeled sha of an annotated tag (peeled line after the tag)', () => {
      expect(parseLsRemote(output).tags.get('v1')).to.equal(D);
    });

    it('prefers the peeled sha even when the peeled line comes first', () => {
      const refs = parseLsRemote(`${D}\trefs/tags/v1^{}\n${C}\trefs/tags/v1\n`);
      expect(refs.tags.get('v1')).to.equal(D);
    });

    it('ignores other refs, blank and malformed lines, and CRLF endings', () => {
      const refs = parseLsRemote(`\r\n${A}\r\nnonsense\n${B}\trefs/heads/dev\r\n${F}\trefs/notes/x\n`);
      expect(refs.head).to.equal(undefined);
      expect([...refs.branches.entries()]).to.deep.equal([['dev', B]]);
      expect(refs.tags.size).to.equal(0);
    });

    it('gives an empty listing for a repository without commits', () => {
      const refs = parseLsRemote('');
      expect(refs.head).to.equal(undefined);
      expect(refs.branches.size).to.equal(0);
      expect(refs.tags.size).to.equal(0);
    });
  });

  describe('planRef', () => {
    const refs: RemoteRefs = {
      head: A,
      branches: new Map([
        ['main', A],
        ['feature', B],
        ['cafe', C],
      ]),
      tags: new Map([['v1', D]]),
    };

    it('plans the default branch when there is no ref', () => {
      expect(planRef(undefined, refs)).to.deep.equal({ kind: 'default' });
      expect(planRef('', refs)).to.deep.equal({ kind: 'default' });
    });

    it('plans a named fetch for a branch', () => {
      expect(planRef('feature', refs)).to.deep.equal({ kind: 'named', name: 'feature' });
    });

    it('plans a named fetch for a tag', () => {
      expect(planRef('v1', refs)).to.deep.equal({ kind: 'named', name: 'v1' });
    });

    it('accepts full ref names refs/heads/x and refs/tags/x', () => {
      expect(planRef('refs/heads/feature', refs)).to.deep.equal({ kind: 'named', name: 'feature' });
      expect(planRef('refs/tags/v1', refs)).to.deep.equal({ kind: 'named', name: 'v1' });
    });

    it('plans a commit checkout for a commit id (full or abbreviated)', () => {
      expect(planRef(E, refs)).to.deep.equal({ kind: 'commit', id: E });
      expect(planRef('1234abc', refs)).to.deep.equal({ kind: 'commit', id: '1234abc' });
    });

    it('prefers a branch whose name looks like a commit id', () => {
      expect(planRef('cafe', refs)).to.deep.equal({ kind: 'named', name: 'cafe' });
    });

    it('returns undefined for an unknown ref', () => {
      expect(planRef('nope', refs)).to.equal(undefined);
      expect(planRef('refs/heads/nope', refs)).to.equal(undefined);
    });
  });
});
