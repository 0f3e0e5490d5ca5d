/**
 * `tjs2i builder <stack> --as-dockerfile DIR`: the builder as a Dockerfile and its context, for
 * docker build, buildah, kaniko or OpenShift's Docker strategy; nothing is built. When an engine
 * answers and already has the base image, the notebook user's UID and home are read from it and
 * become the build arguments' defaults; otherwise the upstream stacks' (1000, /home/$NB_USER), said
 * as such. Nothing is pulled: the context must not depend on what this machine can reach.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Engine } from '../engine/engine.js';
import { UsageError } from '../common/errors.js';
import { inspectIfReachable } from '../engine/inspect-if-reachable.js';
import type { Logger } from '../common/log.js';
import { invalidImageName, isValidImageReference } from '../registry/image-ref.js';
import { shownInput } from '../common/message-text.js';
import { inspectionContainer, resolveUser } from './base-user.js';
import { builderContextFiles, writeBuilderContext } from './builder-context.js';
import { DEFAULT_NB_UID, type PortableBuilderOptions } from './portable-dockerfile.js';
import { findStack, SAFE_PATH, STACKS } from './stacks.js';

export interface BuilderAsDockerfileOptions {
  stack: string;
  from?: string;
  dir: string;
}

export interface BuilderAsDockerfileResult {
  dir: string;
  files: string[];
  from: string;
  /** The defaults of the build arguments NB_UID and NB_HOME (none: /home/$NB_USER). */
  uid: number;
  home?: string;
  /** Whether they were read from the base image. */
  inspected: boolean;
}

export async function writeBuilderAsDockerfile(
  engine: Pick<Engine, 'images' | 'containers' | 'archives'>,
  options: BuilderAsDockerfileOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<BuilderAsDockerfileResult> {
  const stack = findStack(options.stack);
  if (!stack) throw new UsageError(`unknown stack ${options.stack}`, `choose one of: ${STACKS.map((s) => s.name).join(', ')}`);
  const from = options.from ?? stack.upstream;
  if (!isValidImageReference(from)) throw invalidImageName('--from', from, 'give an image reference such as quay.io/jupyter/minimal-notebook:2024-05-01');
  const dir = resolve(options.dir);
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory())
    throw new UsageError(`${shownInput(options.dir)} is not a directory`, 'give --as-dockerfile a directory (it is made when missing)');

  const user = await userOfBase(engine, from, logger, signal);
  const files = await builderContextFiles(stack, { base: from, ...user });
  const written = await logger.step('write', `Dockerfile and s2i/ in ${dir}`, () => writeBuilderContext(dir, files));
  logger.info(`wrote ${written.length} files in ${dir}; build it with: docker build -t jupyter-${stack.name} ${dir}`);
  return { dir, files: written, from, uid: user.uid ?? DEFAULT_NB_UID, ...(user.home ? { home: user.home } : {}), inspected: user.uid !== undefined };
}

/** The notebook user of `from` when the engine has it, else nothing (the Dockerfile's defaults). */
async function userOfBase(
  engine: Pick<Engine, 'images' | 'containers' | 'archives'>,
  from: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<PortableBuilderOptions> {
  const defaults = `NB_UID defaults to the upstream stacks' ${DEFAULT_NB_UID} and HOME to /home/$NB_USER (override with --build-arg)`;
  const base = await inspectIfReachable(engine.images, from, signal);
  if (base === 'unreachable') {
    logger.warn(`no engine to read ${from}'s notebook user; ${defaults}`);
    return {};
  }
  if (!base) {
    logger.warn(`${from} is not in the engine (nothing is pulled for --as-dockerfile); ${defaults}`);
    return {};
  }
  const inspector = inspectionContainer(engine, base.id, signal);
  try {
    const user = await logger.step('user', `resolve USER ${base.user || '(empty)'} of ${from}`, () => resolveUser(inspector, engine, from, base, signal));
    if (!SAFE_PATH.test(user.home)) {
      logger.warn(`the notebook user's home ${shownInput(user.home)} is not a plain path: NB_HOME is left to default to /home/$NB_USER`);
      return { uid: user.uid };
    }
    logger.info(`    notebook user: uid ${user.uid}, home ${user.home} (the defaults of NB_UID and NB_HOME)`);
    return { uid: user.uid, home: user.home };
  } finally {
    await inspector.remove().catch((error: unknown) => logger.warn(`could not remove the inspection container: ${(error as Error).message}`));
  }
}
