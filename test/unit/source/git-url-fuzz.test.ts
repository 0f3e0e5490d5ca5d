/**
 * Fuzzing the `<source>` argument as a git URL: any text is recognised or not without error, and a
 * URL's user-info is either taken (moved into an Authorization header read as git reads it) or
 * refused with one line and exit 2. A password never appears in a message: not in the refusal of
 * its own URL, nor in the other refusals of the source (`--copy`, not a directory). The
 * regressions below are the smallest inputs the fuzzing found.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { createLogger } from '../../../src/common/log.js';
import { splitCredentials } from '../../../src/source/git-env.js';
import { isGitUrl, parseLsRemote, planRef } from '../../../src/source/git-url.js';
import { prepareSource, sourceKind, validateContextDir } from '../../../src/source/prepare-source.js';
import { checkUrlUserinfo } from '../../../src/source/url-userinfo.js';
import {
  anyText,
  expectNoUrlSecret as expectNoSecret,
  expectUsageRefusal,
  fuzzParameters,
  longRun,
  mutated,
  parsedOrRefused,
  parsedOrRefusedAsync,
  URL_SECRET as SECRET,
  urlOf,
  urlParts,
  urlWithSecret,
} from '../../support/unit/fuzz.js';
import { rejectionOf, usageErrorOf } from '../../support/unit/helpers.js';

const silent = createLogger({ write: () => {} });

/** What a URL's user-info stands for as git reads it: %XX is that byte, anything else itself. */
const gitDecoded = (text: string) =>
  Buffer.concat(
    text.split(/(%[0-9a-fA-F]{2})/).map((part) => (/^%[0-9a-fA-F]{2}$/.test(part) ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part))),
  );

describe('git URLs and their credentials, fuzzed (fast-check)', function () {
  this.timeout(20000);

  const nearUrl = mutated(
    fc.constantFrom('https://alice:pw@example.invalid/org/repo.git', 'git@github.com:org/repo.git', 'ssh://git@h:22/r', 'file:///srv/r'),
    ['@', ':', '/', '%', '#', '?', ' ', '\n', '[', 'é'],
  );

  it('recognises any text as a git URL or not, and checks its user-info or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nearUrl, urlWithSecret), (text) => {
        expect(isGitUrl(text)).to.be.a('boolean');
        expect(['git-url', 'work-tree', 'directory']).to.include(sourceKind(text, true));
        parsedOrRefused(() => checkUrlUserinfo(text));
        const split = parsedOrRefused(() => splitCredentials(text));
        if (split?.value.authorization) {
          expect(split.value.authorization).to.match(/^Authorization: Basic [A-Za-z0-9+/]*=*$/);
          expect(split.value.scope).to.match(/^https?:\/\/[^/@]+\/$/);
          expect(new URL(split.value.url).username + new URL(split.value.url).password, 'no credentials left for the command line').to.equal('');
        }
      }),
      fuzzParameters(150),
    );
  });

  it('never shows a password in a refusal of its URL, and moves one inside the authority into the header', () => {
    fc.assert(
      fc.property(urlParts, (parts) => {
        const url = urlOf(parts);
        try {
          checkUrlUserinfo(url);
        } catch (error) {
          expectUsageRefusal(error);
          expectNoSecret(error);
        }
        const split = parsedOrRefused(() => splitCredentials(url));
        // A password with a raw / ? or # (and an @ or digits before it) can read as a valid URL of another host
        // (https://alice:1234/Tk…@host is host alice, port 1234; alice:@Tk…/@host is host tk…): then it is a path or a
        // host to the URL parser as to git, which no check can tell from https://host:8443/pkg@v1. Any other password must
        // leave the URL for the header.
        if (split?.value.authorization && !/[/?#]/.test(parts.before + parts.after)) {
          expect(split.value.url.toLowerCase()).not.to.include(SECRET.toLowerCase());
          expect(Buffer.from(split.value.authorization.replace(/^Authorization: Basic /, ''), 'base64').toString('latin1')).to.include(SECRET);
        }
      }),
      fuzzParameters(150),
    );
  });

  it('never shows a password in the refusals of the source: --copy with a URL, a location that is no directory', async () => {
    await fc.assert(
      fc.asyncProperty(urlWithSecret, async (url) => {
        const copied = await parsedOrRefusedAsync(() => prepareSource({ location: url, copy: true }, silent));
        expect(copied, 'refused').to.equal(undefined);
        const error = await rejectionOf(prepareSource({ location: url, copy: true }, silent));
        expectNoSecret(error as Error);
        if (sourceKind(url) !== 'directory' || existsSync(resolve(url))) return;
        const missing = await rejectionOf(prepareSource({ location: url }, silent));
        expectUsageRefusal(missing);
        expectNoSecret(missing);
      }),
      fuzzParameters(150),
    );
  });

  it('reads a percent-encoded user name and password as git does, into the header', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), (user, password) => {
        const url = `https://${encodeURIComponent(user)}:${encodeURIComponent(password)}@example.invalid/repo.git`;
        const { authorization, url: remote } = splitCredentials(url);
        expect(Buffer.from((authorization ?? '').replace(/^Authorization: Basic /, ''), 'base64').toString()).to.equal(`${user}:${password}`);
        expect(remote).to.equal('https://example.invalid/repo.git');
      }),
      fuzzParameters(100),
    );
  });

  it('takes any --context-dir as a relative path inside the source, or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(fc.constantFrom('notebooks', 'a/b', './x/', '../up'), ['..', '/', '.', '\\', '\0'])), (text) => {
        const parsed = parsedOrRefused(() => validateContextDir(text));
        const dir = parsed?.value;
        if (dir === undefined) return;
        expect(dir.startsWith('/') || dir === '..' || dir.startsWith('../'), dir).to.equal(false);
      }),
      fuzzParameters(100),
    );
  });

  it('reads any ls-remote output and plans any --ref without error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(anyText, fc.constantFrom(`${'a'.repeat(40)}\tHEAD`, `${'b'.repeat(40)}\trefs/tags/v1^{}`)), { maxLength: 4 }),
        anyText,
        (lines, ref) => {
          const refs = parseLsRemote(lines.join('\n'));
          const plan = planRef(ref, refs);
          if (plan?.kind === 'named') expect(refs.branches.has(plan.name) || refs.tags.has(plan.name)).to.equal(true);
        },
      ),
      fuzzParameters(100),
    );
  });

  it('takes linear time on long runs of user-info characters', () => {
    fc.assert(
      fc.property(
        longRun(['a@', 'a', '.', ':', '/', '%', '@', 'a:', '-'], { min: 5000, max: 50000 }),
        fc.constantFrom('', 'https://', 'ssh://'),
        (text, scheme) => {
          expect(isGitUrl(scheme + text)).to.be.a('boolean');
          parsedOrRefused(() => splitCredentials(scheme + text));
        },
      ),
      fuzzParameters(20),
    );
  });

  describe('regressions found by fuzzing', () => {
    it('reads a password with a % that starts no escape (%zz) or a byte that is not UTF-8 (%ff) as git does, instead of failing with URIError', () => {
      const basic = (url: string) => Buffer.from((splitCredentials(url).authorization ?? '').replace(/^Authorization: Basic /, ''), 'base64');
      expect(basic('https://u:a%zz@host/r')).to.deep.equal(Buffer.from('u:a%zz'));
      expect(basic('https://u:a%ff@host/r')).to.deep.equal(Buffer.concat([Buffer.from('u:a'), Buffer.from([0xff])]));
      expect(basic('https://u:a%ff@host/r')).to.deep.equal(gitDecoded('u:a%ff'));
    });

    it('masks a password holding whitespace, or a raw "/" and "@", in the --copy refusal', async () => {
      for (const url of ['https://alice:Tk9sEcReT @example.invalid/org/repo.git', 'https://alice:/@Tk9sEcReT\t@example.invalid/org/repo.git']) {
        const error = await rejectionOf(prepareSource({ location: url, copy: true }, silent));
        expectUsageRefusal(error);
        expect(error.message).to.equal('--copy needs a local directory, but https://***@example.invalid/org/repo.git is a git URL');
      }
    });

    it('reads the user-info to the last "@" across whitespace, not taking the password for the host', () => {
      // It was cut at the space, so the host shown was corp:Tk9sEcReT.
      const { authorization } = splitCredentials('https://a@corp:Tk9sEcReT @example.invalid/org/repo.git');
      expect(Buffer.from((authorization ?? '').replace(/^Authorization: Basic /, ''), 'base64').toString()).to.equal('a@corp:Tk9sEcReT ');
    });

    it('refuses a password with a tab (the URL parser drops it) or a raw "\\" (it ends an https authority), naming only the host', () => {
      for (const url of ['https://alice:\tTk9sEcReT@example.invalid/org/repo.git', 'https://a@corp:\\Tk9sEcReT@example.invalid/pkg@v1/repo']) {
        const error = usageErrorOf(() => checkUrlUserinfo(url));
        expectUsageRefusal(error);
        expect(error.message, url).to.match(/^the user name or password in the URL of (example\.invalid|v1) holds/);
        expectNoSecret(error);
      }
    });

    it('shows a host holding an escape sequence escaped', () => {
      const error = usageErrorOf(() => checkUrlUserinfo('https://u:s3cr/et@ho\x1b[2Jst/r'));
      expectUsageRefusal(error);
      expect(error.message).to.match(/^the user name or password in the URL of ho\\u001b\[2Jst holds/);
    });
  });
});
