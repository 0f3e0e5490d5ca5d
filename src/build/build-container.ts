/**
 * The container a build puts the files into (and runs assemble in), named before it is asked for
 * so that it is removed however the build ends: by name when the create request was interrupted
 * before the engine's answer gave the id (the engine may have made it), by id once known.
 */
import type { BuildPlan } from './plan-build.js';
import type { Engine } from '../engine/engine.js';
import { BUILD_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import type { Logger } from '../common/log.js';
import { toDockerEnv } from '../s2i/environment.js';

export class BuildContainer {
  readonly name = uniqueName(BUILD_CONTAINER_PREFIX);
  /** What to remove: the name once creating the container was asked for, its id once known. */
  private made?: string;
  private removal?: Promise<void>;

  constructor(private readonly engine: Pick<Engine, 'containers'>) {}

  /** From the builder, as the assemble user, with the build environment; assemble is its command. */
  async create(plan: BuildPlan, signal?: AbortSignal): Promise<string> {
    this.made = this.name;
    const id = await this.engine.containers.createContainer(
      {
        image: plan.builder.id,
        name: this.name,
        user: plan.buildUser.user,
        // As s2i does: /usr/bin/env as entrypoint, so the builder's own entrypoint cannot swallow
        // the assemble command.
        entrypoint: ['/usr/bin/env'],
        cmd: [plan.assemble.imagePath],
        env: toDockerEnv(plan.env),
      },
      signal,
    );
    this.made = id;
    return id;
  }

  /**
   * Best effort: a failure is reported, never thrown, so that it cannot hide the build's own error.
   * Once asked, later calls wait for the same removal (the build removes it as soon as it is
   * committed, and again on every way out).
   */
  remove(logger: Logger): Promise<void> {
    const made = this.made;
    if (made === undefined) return Promise.resolve();
    this.removal ??= this.engine.containers
      .removeContainer(made)
      .catch((error: unknown) => logger.warn(`could not remove build container ${this.name}: ${String(error)}`));
    return this.removal;
  }
}
