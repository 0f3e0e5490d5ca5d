/**
 * Fuzzing image references (the output name of `build`, `builder --tag`, the builder of
 * `--as-dockerfile`): what tjs2i accepts is what docker's reference grammar accepts (hosts taken
 * lowercase only), split into a valid repository and tag that normalise stably; what it refuses is
 * refused with one line and exit 2; the check is linear. The regressions below are the smallest
 * inputs the fuzzing found.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { renderDockerfile } from '../../../src/build/as-dockerfile-text.js';
import {
  invalidImageName,
  isValidImageName,
  isValidImageReference,
  MAX_NAME_CHARS,
  normalizeImageName,
  parseImageRef,
} from '../../../src/registry/image-ref.js';
import { pushTargetOf } from '../../../src/registry/push-target.js';
import { anyText, expectUsageRefusal, fuzzParameters, longRun, mutated } from '../../support/unit/fuzz.js';

/** docker's grammar (distribution/reference, regexp.go) transcribed, IPv6 hosts left out: the model of a valid reference. */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const GRAMMAR = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(${DIGEST}))?$`);
const TAG = /^\w[\w.-]{0,127}$/;

/** What docker's grammar says of a reference; only asked of short ones (its expression backtracks). */
function model(reference: string): { name: string; digest?: string } | undefined {
  const match = GRAMMAR.exec(reference);
  if (!match || (match[1] as string).length > MAX_NAME_CHARS) return undefined;
  return { name: match[1] as string, ...(match[3] !== undefined ? { digest: match[3] } : {}) };
}

const HEX = '0123456789abcdef';
const host = fc.constantFrom('', 'localhost/', 'registry.example.com/', 'registry:5000/', '127.0.0.1:5000/', 'a-b.c/', 'a_b:5000/', 'Quay.io/', 'x--y.z/');
const component = fc.stringMatching(/^[a-z0-9]{1,4}(?:(?:[._]|__|-+)[a-z0-9]{1,3}){0,2}$/);
const tag = fc.stringMatching(/^\w[\w.-]{0,8}$/);
const digest = fc.string({ unit: fc.constantFrom(...HEX), minLength: 64, maxLength: 64 }).map((hex) => `sha256:${hex}`);
const reference = fc
  .tuple(host, fc.array(component, { minLength: 1, maxLength: 3 }), fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }))
  .map(([h, path, t, d]) => `${h}${path.join('/')}${t !== undefined ? `:${t}` : ''}${d !== undefined ? `@${d}` : ''}`);
const longName = fc.integer({ min: MAX_NAME_CHARS - 3, max: MAX_NAME_CHARS + 3 }).map((n) => `r.io/${'a'.repeat(n - 5)}:t`);
const nearValid = mutated(reference, ['.', '_', '__', '-', '/', ':', '@', 'A', '0', 'é', ' ', 'sha256:']);
const anyReference = fc.oneof(anyText, reference, nearValid, longName);

describe('image references, fuzzed (fast-check)', function () {
  this.timeout(20000);

  it("accepts only what docker's grammar accepts, and every lowercase reference it does", () => {
    fc.assert(
      fc.property(anyReference, (text) => {
        const expected = model(text);
        if (isValidImageReference(text)) expect(expected, 'docker takes it').not.to.equal(undefined);
        if (isValidImageName(text)) expect(expected?.digest, 'docker takes it, without a digest').to.equal(undefined);
        if (isValidImageName(text)) expect(expected).not.to.equal(undefined);
        // tjs2i is stricter on one point only: a registry host must be lowercase.
        if (expected === undefined || expected.name !== expected.name.toLowerCase()) return;
        expect(isValidImageReference(text), 'as an image to use').to.equal(true);
        if (expected.digest === undefined) expect(isValidImageName(text), 'as a name to tag').to.equal(true);
      }),
      fuzzParameters(100),
    );
  });

  it('splits a valid name into a valid repository and tag that normalise stably, as push reads them', () => {
    fc.assert(
      fc.property(anyReference, (text) => {
        if (!isValidImageName(text)) return;
        const { repository, tag: parsedTag } = parseImageRef(text);
        expect(TAG.test(parsedTag), parsedTag).to.equal(true);
        expect(isValidImageName(repository) && !/:[^/]*$/.test(repository), repository).to.equal(true);
        expect([repository, `${repository}:${parsedTag}`]).to.include(text);
        const normal = normalizeImageName(text);
        expect(normal).to.equal(`${repository}:${parsedTag}`);
        expect(normalizeImageName(normal)).to.equal(normal);
        const target = pushTargetOf(text);
        expect(target.reference).to.equal(normal);
        expect(target.canonical).to.equal(`${target.registry}/${target.path}:${parsedTag}`);
        if (target.registry === 'docker.io') expect(target.path, 'an organisation on Docker Hub').to.include('/');
      }),
      fuzzParameters(100),
    );
  });

  it('refuses an invalid name with one line (exit 2)', () => {
    fc.assert(
      fc.property(anyReference, (text) => {
        if (!isValidImageName(text)) expectUsageRefusal(invalidImageName('output image name', text, 'use lowercase name[:tag]'));
      }),
      fuzzParameters(100),
    );
  });

  it('checks long runs of name characters and separators in linear time', () => {
    fc.assert(
      fc.property(longRun(['a', 'a.', 'a-', 'a/', 'a__', 'a_', '1', ':', 'a-.', '-', 'a:1/', 'a@']), (text) => {
        expect(isValidImageName(text)).to.be.a('boolean');
        expect(isValidImageReference(text)).to.be.a('boolean');
      }),
      fuzzParameters(30),
    );
  });

  describe('regressions found by fuzzing', () => {
    it('refuses a registry host with "_", which docker refuses', () => {
      expect(isValidImageName('a_b:5000/x')).to.equal(false);
      expect(isValidImageName('a_b/x')).to.equal(true);
    });

    it('refuses a name longer than 255 characters, which docker refuses', () => {
      expect(isValidImageName('a'.repeat(MAX_NAME_CHARS))).to.equal(true);
      expect(isValidImageName('a'.repeat(MAX_NAME_CHARS + 1))).to.equal(false);
    });

    it('takes a builder given by digest for --as-dockerfile, as its hint says', () => {
      const builder = `quay.io/jupyter/minimal-notebook@sha256:${'0'.repeat(64)}`;
      const text = renderDockerfile({
        builder,
        assembleUser: '1000',
        assembleUid: 1000,
        imageUser: '1000',
        destination: '/tmp',
        assemble: '/usr/libexec/s2i/assemble',
        run: '/usr/libexec/s2i/run',
        uploadsScripts: false,
        env: [],
        labels: {},
      });
      expect(text).to.match(new RegExp(`^FROM ${builder}\n`));
      expect(isValidImageName(builder), 'not as a name to tag').to.equal(false);
    });

    it('shows an invalid name holding a newline on one line, escaped', () => {
      expect(invalidImageName('output image name', 'x\nRUN id', 'h').message).to.equal('invalid output image name x\\nRUN id');
    });
  });
});
