/**
 * Root hooks for the integration suites: without an engine they skip, unless
 * TJS2I_REQUIRE_DOCKER=1 (CI), where a missing engine or fixture fails the run. After the run
 * every image and container the tests made is removed; the fixture images are kept for reuse.
 */
import { DEBIAN, engineAnswers, imageExists, removeTestArtifacts, REQUIRE_DOCKER, STANDIN } from './helpers.js';

/** Stand-ins for the other stacks (test/fixtures/standin/<stack>.Dockerfile, used by stacks.test.ts). */
const STACK_STANDINS = ['scipy-notebook', 'r-notebook', 'datascience-notebook', 'pyspark-notebook', 'all-spark-notebook'].map(
  (stack) => `tjs2i-fixture/${stack}:latest`,
);

let ready = false;

before(async function () {
  this.timeout(30_000);
  if (!(await engineAnswers())) {
    if (REQUIRE_DOCKER) throw new Error('TJS2I_REQUIRE_DOCKER=1 but no Docker engine answers (run .ci/engine.sh)');
    return;
  }
  for (const fixture of [STANDIN, DEBIAN, ...STACK_STANDINS]) {
    if (!(await imageExists(fixture))) {
      const message = `fixture image ${fixture} is missing (run npm run fixtures)`;
      if (REQUIRE_DOCKER) throw new Error(message);
      console.warn(`skipping integration tests: ${message}`);
      return;
    }
  }
  ready = true;
});

beforeEach(function () {
  if (!ready && this.currentTest?.file?.includes('/integration/')) this.skip();
});

after(async function () {
  this.timeout(120_000);
  if (ready) await removeTestArtifacts();
});
