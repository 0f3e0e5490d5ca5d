import { expect } from 'chai';
import { ExitCode, UsageError } from '../../../src/common/errors.js';
import { credentialsOf, redactCredentials } from '../../../src/common/redact.js';
import { splitCredentials } from '../../../src/source/git-env.js';
import { checkUrlUserinfo } from '../../../src/source/url-userinfo.js';

/** Passwords with a character URLs reserve, written raw (not percent-encoded). */
const RAW = [
  'https://alice:s3cr/et@example.invalid/repo.git',
  'https://alice:s3cr#et@example.invalid/repo.git',
  'https://alice:s3cr?et@example.invalid/repo.git',
];

describe('URL user-info with reserved characters', () => {
  for (const url of RAW) {
    it(`refuses a password with a raw "${url.charAt(url.indexOf('s3cr') + 4)}" with one line that names only the host (exit 2)`, () => {
      let caught: unknown;
      try {
        checkUrlUserinfo(url);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(UsageError);
      const error = caught as UsageError;
      expect(error.exitCode).to.equal(ExitCode.usage);
      expect(error.message).to.contain('example.invalid').and.not.contain('s3cr').and.not.contain('alice');
      expect(error.hint).to.contain('percent-encode');
      expect(() => splitCredentials(url)).to.throw(UsageError);
    });

    it(`masks the whole password with a raw "${url.charAt(url.indexOf('s3cr') + 4)}" in free text`, () => {
      const out = redactCredentials(`fatal: unable to access '${url}/': URL using bad/illegal format`);
      expect(out).to.contain('https://***@example.invalid/repo.git').and.not.contain('s3cr').and.not.contain('alice');
      expect(credentialsOf(url)).to.include('alice');
    });
  }

  it('accepts percent-encoded passwords, an "@" in the user name, a path with "@", ssh users and URLs without user-info', () => {
    for (const url of [
      'https://alice:s3cr%2Fet@example.invalid/repo.git',
      'https://alice@corp:pw@example.invalid/repo.git',
      'https://example.invalid/pkg@v1/repo.git',
      'ssh://git@example.invalid/repo.git',
      'https://example.invalid/repo.git',
      'git@example.invalid:org/repo.git',
    ]) {
      expect(() => checkUrlUserinfo(url), url).not.to.throw();
    }
    expect(splitCredentials('https://alice:s3cr%2Fet@example.invalid/repo.git').url).to.equal('https://example.invalid/repo.git');
  });
});
