/**
 * Fake engine clients for the unit tests: each records its calls, in order, in a call log that the
 * clients of one FakeEngine share (so a test sees the order across images, containers and
 * archives); behaviours are replaceable per test. A test of code that takes one client builds only
 * that one (fake-images.ts, fake-containers.ts, fake-archives.ts).
 */
import type { Engine } from '../../../src/engine/engine.js';
import type { EngineIdentity } from '../../../src/engine/engine-identity.js';
import type { EngineCall } from './fake-call-log.js';
import { FakeArchives } from './fake-archives.js';
import { FakeContainers } from './fake-containers.js';
import { FakeImages } from './fake-images.js';

/** All three fake clients on one call log, for code that takes the whole engine (or several clients). */
export class FakeEngine implements Engine {
  readonly endpoint = 'unix:///fake/docker.sock';
  readonly endpointSource = 'from DOCKER_HOST';
  readonly containers: FakeContainers;
  readonly archives: FakeArchives;
  /** What identify() answers (a Docker by default); a test may make it Podman, or make it fail. */
  identity: EngineIdentity | Error = {
    kind: 'docker',
    name: 'Docker',
    version: '20.10.24',
    apiVersion: '1.41',
    os: 'linux',
    arch: 'amd64',
    platform: '',
  };

  constructor(readonly images: FakeImages = new FakeImages()) {
    this.containers = new FakeContainers(images.log, images);
    this.archives = new FakeArchives(images.log);
  }

  identify(): Promise<EngineIdentity> {
    return this.identity instanceof Error ? Promise.reject(this.identity) : Promise.resolve(this.identity);
  }

  get calls(): EngineCall[] {
    return this.images.log.calls;
  }

  methods(): string[] {
    return this.images.log.methods();
  }
}
