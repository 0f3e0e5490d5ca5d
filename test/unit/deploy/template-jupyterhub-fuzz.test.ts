/**
 * Fuzzing what `template --format jupyterhub` takes from the command line (--image, --memory,
 * --volume-size, --users, the output file the header names): it either writes YAML that says exactly
 * its values, with a header of comment lines only (user input never breaks out of a comment), or
 * refuses with one line and exit 2.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { templateDefinition } from '../../../src/deploy/template-definition.js';
import { anyText, expectUsageRefusal, fuzzParameters, mutated } from '../../support/unit/fuzz.js';

const image = fc.oneof(
  anyText,
  mutated(fc.constantFrom('registry.example.com/me/course:1', `quay.io/c@sha256:${'a'.repeat(64)}`, 'course'), ['\n', '#', ':', '@', ' ', 'A', '"']),
);
const quantity = fc.oneof(fc.constant(undefined), anyText, mutated(fc.constantFrom('2Gi', '1.5G', '512Mi', '1e9'), ['.', 'e', '-', 'i', ' ', '0']));
const users = fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 200_000 }), fc.double());
const valuesFile = fc.oneof(fc.constant(undefined), anyText, fc.constantFrom('class.yaml', '/tmp/x/values.yaml'));

describe('template --format jupyterhub, fuzzed (fast-check)', function () {
  this.timeout(60_000);

  it('writes YAML that says its values under a header of comments only, or refuses with one line (exit 2)', () => {
    fc.assert(
      fc.property(image, quantity, quantity, users, valuesFile, (imageArg, memory, volumeSize, usersArg, file) => {
        let result;
        try {
          result = templateDefinition({
            stack: 'scipy-notebook',
            format: 'jupyterhub',
            image: imageArg,
            ...(memory !== undefined ? { memory } : {}),
            ...(volumeSize !== undefined ? { volumeSize } : {}),
            ...(usersArg !== undefined ? { users: usersArg } : {}),
            ...(file !== undefined ? { valuesFile: file } : {}),
          });
        } catch (error) {
          expectUsageRefusal(error);
          return;
        }
        expect(load(result.text)).to.deep.equal(result.manifest);
        const header = result.text.slice(0, result.text.indexOf('\nsingleuser:'));
        for (const line of header.split('\n')) expect(line === '' || line.startsWith('#'), JSON.stringify(line)).to.equal(true);
      }),
      fuzzParameters(150),
    );
  });
});
