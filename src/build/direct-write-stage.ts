/**
 * The direct write, the build's fast path: for tjs2i's own assemble with nothing to install, the
 * course files are written into the build container as assemble would leave them, in one archive,
 * after the container's home has been checked, and no process starts in it (on Podman the check's
 * owners come from a throwaway container: engine/owner-probe.ts).
 */
import { posix } from 'node:path';
import type { SavedArtifacts } from './artifacts.js';
import type { CheckCache } from './direct-write-cache.js';
import { checkContainerOnce, directWriteDecision, packDirect, type DirectWriteDecision } from './direct-write.js';
import type { Engine } from '../engine/engine.js';
import { shortId } from '../engine/short-id.js';
import { throwIfAborted } from '../common/errors.js';
import { formatBytes, type Logger } from '../common/log.js';
import type { BuildPlan, SourceFilter } from './plan-build.js';
import { packTrees } from '../source/pack-trees.js';

/** Whether the files may be written directly, as far as it is known before a container exists. */
export function decideDirectWrite(plan: BuildPlan, filter: SourceFilter, artifacts: SavedArtifacts | undefined): Promise<DirectWriteDecision> {
  return directWriteDecision({
    builderLabels: plan.builder.labels,
    builderEnv: plan.builder.env,
    assemble: plan.assemble,
    env: plan.env,
    artifacts: artifacts !== undefined,
    destination: plan.destination,
    sourceDir: plan.source.dir,
    filter,
  });
}

/** The decision made before the container existed, confirmed in it: the direct write needs the builder's home as tjs2i builders have it. */
export async function confirmDirectWrite(
  engine: Pick<Engine, 'endpoint' | 'archives'>,
  id: string,
  plan: BuildPlan,
  decision: DirectWriteDecision,
  checkCache: CheckCache | undefined,
  logger: Logger,
  signal?: AbortSignal,
): Promise<DirectWriteDecision> {
  if (!decision.direct) return decision;
  const { builder } = plan;
  const checked = await checkContainerOnce(
    engine,
    id,
    { imageId: builder.id, platform: builder.platform, home: decision.home, uid: plan.buildUser.uid },
    checkCache,
    signal,
  );
  if (checked.cached) logger.debug(`the builder's home passed the direct write's check before (image ${shortId(builder.id)}): not checked again`);
  return checked.notDirect === undefined ? decision : { direct: false, reason: checked.notDirect };
}

/** The course files as assemble would leave them, written into the container in one archive, without running a process. */
export async function writeDirectly(
  engine: Pick<Engine, 'archives'>,
  id: string,
  plan: BuildPlan,
  into: { home: string; filter: SourceFilter },
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  logger.info(`assemble: tjs2i default, written directly (no dependency files)`);
  await logger.step('write', `source to ${posix.join(into.home, 'work')} and ${posix.join(into.home, '.tjs2i', 'course')} (hard links)`, async () => {
    // A run script not in the image goes where an assemble build would put it (the image's own
    // assemble is the only one written directly for, so the run script is the only one there can be).
    if (plan.scriptFiles.length) {
      const scripts = packTrees({ uid: plan.buildUser.uid, gid: 0, trees: [], files: plan.scriptFiles });
      await Promise.all([scripts.done, engine.archives.putArchive(id, scripts.stream, plan.destination, signal)]);
    }
    const pack = packDirect({
      linkSymlinks: await engine.archives.linksSymlinks(signal),
      sourceDir: plan.source.dir,
      filter: into.filter,
      uid: plan.buildUser.uid,
      onSkip: (path, reason) => logger.warn(`skipped ${path}: ${reason}`),
    });
    const writing = engine.archives.putArchive(id, pack.stream, into.home, signal).catch((error: unknown) => {
      pack.stream.destroy();
      throw error;
    });
    const [stats] = await Promise.all([pack.done, writing]);
    logger.info(`    ${stats.files} files, ${stats.directories} directories, ${stats.symlinks} symlinks, ${formatBytes(stats.bytes)}`);
  });
  throwIfAborted(signal);
}
