/**
 * Fuzzing `--scripts-url` (and the scripts-url label): any text is read as an image, file or http(s)
 * location, or refused with one line and exit 2 that never shows a password; the credentials of
 * an http(s) location are read into a header as git reads a URL's. The regressions below are the
 * smallest inputs the fuzzing found.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseScriptsUrl, requestFor } from '../../../src/s2i/scripts.js';
import { anyText, expectNoUrlSecret, expectUsageRefusal, fuzzParameters, mutated, parsedOrRefused, urlWithSecret } from '../../support/unit/fuzz.js';
import { usageErrorOf } from '../../support/unit/helpers.js';

const nearValid = mutated(fc.constantFrom('image:///usr/libexec/s2i', 'file:///opt/s2i', 'https://me:pw@example.invalid/s2i/'), [
  '/',
  ':',
  '@',
  '%',
  '?',
  '#',
  ' ',
  '\n',
]);

describe('--scripts-url, fuzzed (fast-check)', function () {
  this.timeout(20000);

  it('reads any location, or refuses it with one line (exit 2) that shows no password', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nearValid, urlWithSecret), (text) => {
        let location;
        try {
          location = parseScriptsUrl(text);
        } catch (error) {
          expectUsageRefusal(error);
          expectNoUrlSecret(error);
          return;
        }
        if (location.kind === 'image') expect(location.dir).to.match(/^\//);
        // What is fetched later: the credentials of an http(s) location become a header, whatever they hold.
        if (location.kind === 'http') parsedOrRefused(() => requestFor(`${location.base}/assemble`));
      }),
      fuzzParameters(150),
    );
  });

  describe('regressions found by fuzzing', () => {
    it('reads a password with %zz or %ff into the header instead of failing with URIError', () => {
      expect(requestFor('https://u:a%zz@host/s2i/run').headers.authorization).to.equal(`Basic ${Buffer.from('u:a%zz').toString('base64')}`);
      expect(requestFor('https://u:a%ff@host/s2i/run').headers.authorization).to.equal(
        `Basic ${Buffer.from([...Buffer.from('u:a'), 0xff]).toString('base64')}`,
      );
    });

    it('masks a password with a raw "/" in the refusal of a URL that does not parse', () => {
      const error = usageErrorOf(() => parseScriptsUrl('https://u:Tk9s/eCrEt@example.invalid/s2i'));
      expectUsageRefusal(error);
      expect(error.message).to.equal('--scripts-url https://***@example.invalid/s2i is not a valid URL');
    });
  });
});
