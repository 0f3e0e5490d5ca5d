/**
 * minimal-notebook's builder context (stacks/minimal-notebook/, what `oc new-build
 * --context-dir=stacks/minimal-notebook` builds on a cluster) built as a platform would, with no
 * engine inspecting the base first: with the engine's build API from the 2016 stand-in, and with
 * Debian's buildah (daemonless) from today's. Each result matches the builder tjs2i makes from the
 * same base (`--dockerfile` for the first, the default for the second) and makes a course image that
 * serves under a random UID with group 0. The other five stacks' contexts are in stacks.test.ts.
 */
import { expect } from 'chai';
import {
  builderFacts,
  buildahBuild,
  committedContext,
  contextFrom,
  engineBuild,
  expectSoundBuilder,
  serveCourse,
} from '../support/integration/builder-contexts.js';
import { FAMILIES, FAMILY_2016, FAMILY_TODAY, familyBuilder } from '../support/integration/families.js';
import { exec, tempDir, tjs2i, uniqueName } from '../support/integration/helpers.js';

const TREES = ['/home/jovyan', '/opt/conda'];

describe('stacks/minimal-notebook: the builder context built without tjs2i (real engine, buildah)', function () {
  this.timeout(900_000);

  describe('with the engine (docker build) from the 2016 stand-in', () => {
    const fromContext = uniqueName('context-minimal');
    const fromTjs2i = uniqueName('dockerfile-minimal');
    let output = '';

    before(async () => {
      const dir = await tempDir('context-minimal');
      try {
        await contextFrom('minimal-notebook', FAMILY_2016.standIn, dir.path);
        output = await engineBuild(dir.path, fromContext);
      } finally {
        await dir.remove();
      }
      const made = await tjs2i(['builder', 'minimal-notebook', '--from', FAMILY_2016.standIn, '--tag', fromTjs2i, '--dockerfile']);
      expect(made.code, made.stderr).to.equal(0);
    });
    after(() => exec('docker', ['rmi', '-f', fromContext, fromTjs2i]));

    it('says what it did as tjs2i builder --dockerfile does, and makes the same builder: config, labels, scripts, group-0 trees', async () => {
      expect(output).to.include('tjs2i: group 0 may write /home/jovyan').and.include('tjs2i: group 0 may write /opt/conda');
      const context = await builderFacts(fromContext, TREES);
      expectSoundBuilder(context, TREES);
      expect(context).to.deep.equal(await builderFacts(fromTjs2i, TREES));
    });

    it('makes a course image that serves under a random UID with group 0, which can write the trees', () => serveCourse(fromContext, TREES));
  });

  describe('with buildah (vfs storage, chroot isolation, --format docker) from today’s stand-in', () => {
    const fromContext = uniqueName('buildah-minimal');

    before(async function () {
      if (!FAMILIES.includes(FAMILY_TODAY)) this.skip();
      // The committed context itself: buildah's --from replaces its FROM, as OpenShift's Docker strategy does.
      await buildahBuild(committedContext('minimal-notebook'), FAMILY_TODAY.standIn, fromContext);
    });
    after(() => exec('docker', ['rmi', '-f', fromContext]));

    it("keeps the base's health check and entrypoint, and matches tjs2i's builder of the same base: config, labels, scripts, trees", async () => {
      const context = await builderFacts(fromContext, TREES);
      expectSoundBuilder(context, TREES);
      expect(context.healthcheck).to.have.nested.property('Test[1]').that.includes('docker_healthcheck.py');
      expect(context).to.deep.equal(await builderFacts(await familyBuilder(FAMILY_TODAY), TREES));
    });

    it('makes a course image that serves under a random UID with group 0, which can write the trees', () => serveCourse(fromContext, TREES));
  });
});
