import { expect } from 'chai';
import { credentialsOf, redactCredentials, stripCredentials } from '../../../src/common/redact.js';

describe('redact', () => {
  describe('stripCredentials', () => {
    it('removes user and token from an https URL', () => {
      expect(stripCredentials('https://user:token@github.com/org/repo.git')).to.equal('https://github.com/org/repo.git');
    });

    it('removes a lone user (token only) too', () => {
      expect(stripCredentials('https://ghp_abc123@github.com/org/repo')).to.equal('https://github.com/org/repo');
    });

    it('removes percent-encoded credentials', () => {
      expect(stripCredentials('https://me%40corp:p%40ss%2Fw0rd@git.example.com/r')).to.equal('https://git.example.com/r');
    });

    it('leaves URLs without credentials untouched, including ssh and scp-like ones', () => {
      for (const url of [
        'https://github.com/org/repo.git',
        'ssh://git.example.com/org/repo.git',
        'git://git.example.com/repo',
        'file:///srv/git/repo',
        'git@github.com:org/repo.git',
        '/home/me/course',
      ]) {
        expect(stripCredentials(url), url).to.equal(url);
      }
    });

    it('keeps the host port', () => {
      expect(stripCredentials('https://u:t@host:8443/r')).to.equal('https://host:8443/r');
    });
  });

  describe('redactCredentials', () => {
    it('masks the user-info of an https URL', () => {
      const out = redactCredentials('https://user:token@host/repo');
      expect(out).to.equal('https://***@host/repo');
      expect(out).not.to.include('token');
      expect(out).not.to.include('user');
    });

    it('masks every URL in a text with several of them', () => {
      const text =
        "fatal: unable to access 'https://alice:s3cret@git.example.com/a.git/': 403\n" +
        'mirror ssh://bob:hunter2@mirror.example.com/a.git failed, fallback http://carol:pw0rd@other/b';
      const out = redactCredentials(text);
      expect(out).to.equal(
        "fatal: unable to access 'https://***@git.example.com/a.git/': 403\n" + 'mirror ssh://***@mirror.example.com/a.git failed, fallback http://***@other/b',
      );
      for (const secret of ['alice', 's3cret', 'bob', 'hunter2', 'carol', 'pw0rd']) expect(out).not.to.include(secret);
    });

    it('masks percent-encoded tokens in URLs', () => {
      expect(redactCredentials('cloning https://x:t%2Fk%3Dn@host/r')).to.equal('cloning https://***@host/r');
    });

    it('masks given secrets anywhere in the text, decoded ones too', () => {
      const secrets = credentialsOf('https://user:t%2Fk3n@host/r');
      const out = redactCredentials('git said: bad token t/k3n for user', secrets);
      expect(out).to.equal('git said: bad token *** for ***');
    });

    it('ignores secrets shorter than 3 characters (they would mangle the text)', () => {
      expect(redactCredentials('a b c', ['a', 'b'])).to.equal('a b c');
    });

    it('leaves a text without credentials unchanged', () => {
      const text = 'cloning ssh://github.com/org/repo and git@github.com:org/repo from /srv/a@b';
      expect(redactCredentials(text)).to.equal(text);
    });

    it('masks a bare user name after a scheme (ssh://git@...) but not scp-like addresses', () => {
      const text = 'cloning ssh://git@github.com/org/repo and git@github.com:org/repo';
      expect(redactCredentials(text)).to.equal('cloning ssh://***@github.com/org/repo and git@github.com:org/repo');
    });
  });

  describe('credentialsOf', () => {
    it('returns the user-info, user and token, longest first', () => {
      expect(credentialsOf('https://user:token@host/repo')).to.deep.equal(['user:token', 'token', 'user']);
    });

    it('returns raw and decoded forms of percent-encoded parts', () => {
      const found = credentialsOf('https://me:p%40ss%2Fword@host/repo');
      expect(found).to.include.members(['me:p%40ss%2Fword', 'me:p@ss/word', 'p%40ss%2Fword', 'p@ss/word', 'me']);
      expect(found).to.have.length(5);
      for (let i = 1; i < found.length; i++) expect(found[i - 1]!.length).to.be.at.least(found[i]!.length);
    });

    it('keeps an undecodable part as it is', () => {
      expect(credentialsOf('https://tok%zz@host/r')).to.deep.equal(['tok%zz']);
    });

    it('returns nothing for URLs without credentials', () => {
      expect(credentialsOf('ssh://host/repo')).to.deep.equal([]);
      expect(credentialsOf('git@github.com:org/repo.git')).to.deep.equal([]);
      expect(credentialsOf('/local/dir')).to.deep.equal([]);
    });

    it('collects the credentials of every URL in a text', () => {
      expect(credentialsOf('https://a1:b2c@h1/x https://d4:e5f@h2/y')).to.have.members(['a1:b2c', 'a1', 'b2c', 'd4:e5f', 'd4', 'e5f']);
    });
  });
  it('redacts the whole user-info even when the password holds a raw @', () => {
    const url = 'https://alice:p@ss@host.example/repo.git';
    expect(redactCredentials(`fatal: unable to access '${url}/'`)).to.equal("fatal: unable to access 'https://***@host.example/repo.git/'");
    expect(stripCredentials(url)).to.equal('https://host.example/repo.git');
  });
});
