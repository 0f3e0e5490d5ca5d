/**
 * Mocha root hooks (loaded by .mocharc.json) for the integration suites: without an engine they
 * skip, unless TJS2I_REQUIRE_DOCKER=1 (CI), where a missing engine or fixture fails the run. After
 * the run every image and container the tests made is removed; the fixture images are kept for
 * reuse. A run of the unit tests alone never asks the engine.
 */
import type { Context, Suite } from 'mocha';
import { ON_PODMAN } from './engines.js';
import { FAMILIES, FAMILY_TODAY } from './families.js';
import { DEBIAN, engineAnswers, imageExists, removeTestArtifacts, REQUIRE_DOCKER, STANDIN } from './helpers.js';
import { HUB_FIXTURE } from './hub.js';

/** Stand-ins for the other stacks (test/fixtures/standin/<stack>.Dockerfile, used by stacks.test.ts). */
const STACK_STANDINS = ['scipy-notebook', 'r-notebook', 'datascience-notebook', 'pyspark-notebook', 'all-spark-notebook'].map(
  (stack) => `tjs2i-fixture/${stack}:latest`,
);

const isIntegrationFile = (file: string | undefined) => file?.includes('/integration/') === true;

let ready = false;

async function checkEngineAndFixtures(this: Context): Promise<void> {
  this.timeout(30_000);
  const root: Suite | undefined = this.test?.parent;
  if (!root?.suites.some((suite) => isIntegrationFile(suite.file))) return;
  if (!(await engineAnswers())) {
    const start = ON_PODMAN ? '.ci/podman.sh start' : '.ci/engine.sh';
    if (REQUIRE_DOCKER) throw new Error(`TJS2I_REQUIRE_DOCKER=1 but no engine answers (run ${start})`);
    return;
  }
  if (ON_PODMAN && FAMILIES.includes(FAMILY_TODAY)) throw new Error('the Podman pass covers the 2016 family: set TJS2I_FAMILIES=2016');
  // The JupyterHub tests run on today's family only, and so need the hub only then; the Podman pass
  // runs its subset on the 2016 minimal-notebook stand-in and the Debian fixture.
  const hub = FAMILIES.includes(FAMILY_TODAY) ? [HUB_FIXTURE] : [];
  const fixtures = ON_PODMAN ? [STANDIN, DEBIAN] : [STANDIN, DEBIAN, ...STACK_STANDINS, ...FAMILIES.map((f) => f.standIn), ...hub];
  for (const fixture of new Set(fixtures)) {
    if (!(await imageExists(fixture))) {
      const message = `fixture image ${fixture} is missing (run ${ON_PODMAN ? `.ci/podman.sh start ${fixture}` : 'npm run fixtures'})`;
      if (REQUIRE_DOCKER) throw new Error(message);
      console.warn(`skipping integration tests: ${message}`);
      return;
    }
  }
  ready = true;
}

export const mochaHooks = {
  beforeAll: checkEngineAndFixtures,
  beforeEach(this: Context): void {
    if (!ready && isIntegrationFile(this.currentTest?.file)) this.skip();
  },
  async afterAll(this: Context): Promise<void> {
    this.timeout(120_000);
    if (ready) await removeTestArtifacts();
  },
};
