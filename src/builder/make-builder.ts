/**
 * `tjs2i builder`: make an S2I builder image from a Jupyter stack image. By default the base
 * image's layers are rewritten while they stream from the engine's image export into its image
 * load (tar headers only: no duplicated layer, no container run; see image-rewrite.ts); with
 * `--dockerfile`, through the engine's build API with a tar-stream context (Dockerfile + the S2I
 * scripts), whose chgrp/chmod copies every file it touches into a new layer.
 */
import { SCRIPTS_DIR } from '../s2i/builder-scripts.js';
import { builderDockerfile, builderLabels } from './shim-dockerfile.js';
import { parseNumericUser } from '../s2i/builder-image.js';
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import { shortId } from '../engine/short-id.js';
import { INSPECT_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { throwIfAborted, UsageError, UserNotAllowedError } from '../common/errors.js';
import { invalidImageName, isValidImageName, parseImageRef } from '../registry/image-ref.js';
import { MAX_FIX_BYTES, type FinalFileSystem } from './rewrite/outside-tree-fixes.js';
import { rewriteImage } from './rewrite/image-rewrite.js';
import { formatBytes, type Logger } from '../common/log.js';
import { s2iScript } from '../common/package-files.js';
import { DEFAULT_PULL_POLICY, ensureImage, type PullPolicy } from '../registry/pull-policy.js';
import { lookupUser, parsePasswd } from './passwd.js';
import { declaredTrees, envOf, findStack, planTrees, STACKS, treeRoots, type PlannedTree } from './stacks.js';
import { packTrees } from '../source/pack-trees.js';
import { resolveTrees, type ResolvedTree } from './tree-resolve.js';
import { refuseSystemTrees } from './system-trees.js';

export interface BuilderOptions {
  stack: string;
  from?: string;
  tag?: string;
  /** When to pull the base image (default if-not-present). */
  pullPolicy?: PullPolicy;
  /** Build through a Dockerfile (chgrp/chmod in a new layer) instead of rewriting the layers. */
  dockerfile?: boolean;
}

export interface BuilderResult {
  image: string;
  imageId: string;
  size: number;
  baseSize: number;
  uid: number;
  /** The trees made writable for group 0 (when the base image has them). */
  trees: PlannedTree[];
  /** How it was made: layers rewritten (default) or a Dockerfile build. */
  method: 'rewrite' | 'dockerfile';
}

export async function makeBuilder(engine: Engine, options: BuilderOptions, logger: Logger, signal?: AbortSignal): Promise<BuilderResult> {
  const stack = findStack(options.stack);
  if (!stack) {
    throw new UsageError(`unknown stack ${options.stack}`, `choose one of: ${STACKS.map((s) => s.name).join(', ')}`);
  }
  const from = options.from ?? stack.upstream;
  const tag = options.tag ?? `jupyter-${stack.name}`;
  if (!isValidImageName(tag)) throw invalidImageName('--tag', tag, 'use lowercase name[:tag]');

  const base = await logger.step('inspect', `base image ${from}`, () =>
    ensureImage(engine.images, from, options.pullPolicy ?? DEFAULT_PULL_POLICY, logger, signal, { missingHint: 'give a local base image with --from' }),
  );
  throwIfAborted(signal);

  // One created (never started) container answers the questions about the base image's files.
  const inspector = inspectionContainer(engine, base.id, signal);
  let user: { uid: number; home: string };
  let trees: PlannedTree[];
  let imageId: string;
  try {
    user = await logger.step('user', `resolve USER ${base.user || '(empty)'}`, () => resolveUser(inspector, engine, from, base, signal));
    logger.info(`    notebook user: uid ${user.uid}, home ${user.home}`);
    trees = planTrees(stack, { env: base.env, home: user.home });
    for (const tree of trees) {
      const origin = tree.spec === '$HOME' ? '' : ` (${tree.spec}${tree.source === 'default' ? ', default' : ''})`;
      logger.info(`    writable for group 0: ${tree.path}${origin}`);
    }
    const declared = declaredTrees(stack);
    refuseSystemTrees(trees, declared);
    const paths = trees.map((t) => t.path);
    const labels = builderLabels(stack, from, paths);
    const roots = treeRoots(paths);
    // Both paths resolve the trees first: a link (SPARK_HOME) into a system directory is refused before anything is built.
    const resolved = await logger.step('trees', `resolve ${roots.join(' ')} in ${from}`, async () => {
      const container = await inspector.id();
      const specs = roots.map((path) => ({ path, spec: trees.find((t) => t.path === path)!.spec }));
      return resolveTrees(specs, (path) => engine.archives.statPath(container, path, signal), declared);
    });
    if (options.dockerfile) {
      throwIfAborted(signal);
      imageId = await buildWithDockerfile(engine, { from, tag, uid: user.uid, home: user.home, labels, trees: roots }, logger, signal);
    } else {
      for (const tree of resolved) logger.info(`    ${tree.message}`);
      throwIfAborted(signal);
      const container = await inspector.id();
      const final: FinalFileSystem = {
        stat: (path) => engine.archives.statPath(container, path, signal),
        read: (path) => engine.archives.readArchive(container, path, MAX_FIX_BYTES + 64 * 1024, signal),
      };
      imageId = await rewriteBuilder(
        engine,
        { from, baseId: base.id, tag, uid: user.uid, home: user.home, labels, trees: resolved, stack: stack.name, final },
        logger,
        signal,
      );
    }
  } finally {
    // A failed removal must not hide the error that got here.
    await inspector.remove().catch((error: unknown) => logger.warn(`could not remove the inspection container: ${(error as Error).message}`));
  }
  throwIfAborted(signal);
  const info = await engine.images.inspectImage(imageId, signal);
  const size = info?.size ?? 0;
  logger.info(`builder ${tag} (${shortId(imageId)}), ${formatBytes(size)}; base ${formatBytes(base.size)}`);
  return { image: tag, imageId, size, baseSize: base.size, uid: user.uid, trees, method: options.dockerfile ? 'dockerfile' : 'rewrite' };
}

interface BuildSpec {
  from: string;
  tag: string;
  uid: number;
  home: string;
  labels: Record<string, string>;
}

/** The Dockerfile path (`--dockerfile`): the engine builds the shim as a new layer. */
async function buildWithDockerfile(
  engine: Pick<Engine, 'images'>,
  spec: BuildSpec & { trees: string[] },
  logger: Logger,
  signal?: AbortSignal,
): Promise<string> {
  const plan = { from: spec.from, uid: spec.uid, home: spec.home, trees: spec.trees };
  const context = packTrees({
    uid: 0,
    gid: 0,
    trees: [],
    files: [
      { source: { content: builderDockerfile(plan) }, name: 'Dockerfile' },
      { source: s2iScript('assemble'), name: 's2i/assemble', mode: 0o755 },
      { source: s2iScript('run'), name: 's2i/run', mode: 0o755 },
      { source: s2iScript('usage'), name: 's2i/usage', mode: 0o755 },
    ],
  });
  return logger.step('build', `${spec.tag} from ${spec.from}`, async () => {
    const [, id] = await Promise.all([
      context.done,
      engine.images.buildImage(context.stream, { tag: spec.tag, labels: spec.labels, onEvent: (e) => e.stream && logger.output(e.stream) }, signal),
    ]);
    return id;
  });
}

/** The default path: the base image's layers rewritten on their way from export to load, then tagged. */
async function rewriteBuilder(
  engine: Pick<Engine, 'images'>,
  spec: BuildSpec & { baseId: string; trees: ResolvedTree[]; stack: string; final: FinalFileSystem },
  logger: Logger,
  signal?: AbortSignal,
): Promise<string> {
  const writable = treeRoots(spec.trees.filter((t) => t.outcome === 'writable').map((t) => t.real));
  const rewritten = await logger.step('rewrite', `${spec.from}: export, rewrite the layers' tar headers, load`, () =>
    rewriteImage(
      engine.images,
      {
        image: spec.baseId,
        rules: { trees: writable },
        uid: spec.uid,
        home: spec.home,
        cmd: [`${SCRIPTS_DIR}/run`],
        labels: spec.labels,
        final: spec.final,
        createdBy: `tjs2i builder ${spec.stack}: S2I scripts in ${SCRIPTS_DIR}; group 0 may write ${writable.join(' ') || '(no tree)'}`,
        onLayer: (layer) =>
          logger.info(
            `    ${layer.source}: ${formatBytes(layer.size)}, ` +
              (layer.unchanged ? `${layer.stats.entries} entries, unchanged` : `${layer.stats.rewritten} of ${layer.stats.entries} entries rewritten`),
          ),
      },
      signal,
    ),
  );
  const { stats } = rewritten;
  const unchanged = rewritten.layers.filter((l) => l.unchanged).length;
  logger.info(
    `    ${rewritten.layers.length} layers (${unchanged} unchanged), ${stats.rewritten} of ${stats.entries} entries rewritten, ` +
      `${stats.setIdCleared} set-uid/set-gid bits cleared in place`,
  );
  for (const fix of rewritten.fixes) {
    const octal = (mode: number) => mode.toString(8).padStart(4, '0');
    logger.info(`    /${fix.header.path}: mode ${octal(fix.was)} -> ${octal(fix.header.mode)} (written again in the extra layer)`);
  }
  const { repository, tag } = parseImageRef(spec.tag);
  try {
    throwIfAborted(signal);
    await logger.step('tag', spec.tag, () => engine.images.tagImage(rewritten.imageId, repository, tag));
  } catch (error) {
    await engine.images.removeImage(rewritten.imageId).catch(() => undefined);
    throw error;
  }
  return rewritten.imageId;
}

/** A container created from the base image on first use (never started), removed by `remove`. */
function inspectionContainer(engine: Pick<Engine, 'containers'>, image: string, signal?: AbortSignal) {
  const name = uniqueName(INSPECT_CONTAINER_PREFIX);
  let created: Promise<string> | undefined;
  return {
    id: () => (created ??= engine.containers.createContainer({ image, name, user: '0', entrypoint: ['/bin/true'], cmd: [] }, signal)),
    async remove() {
      if (!created) return;
      // Removed by name if the create request was interrupted.
      const id = await created.catch(() => name);
      await engine.containers.removeContainer(id);
    },
  };
}

/** The notebook user's uid and home: from USER when numeric, else from the image's /etc/passwd. */
async function resolveUser(
  inspector: ReturnType<typeof inspectionContainer>,
  engine: Pick<Engine, 'archives'>,
  from: string,
  base: ImageInfo,
  signal?: AbortSignal,
): Promise<{ uid: number; home: string }> {
  const declared = base.user.trim();
  const defaultHome = `/home/${envOf(base.env, 'NB_USER') ?? 'jovyan'}`;
  const numeric = parseNumericUser(declared);
  // An empty USER means root.
  let uid = declared ? numeric?.uid : 0;
  let home = defaultHome;
  if (declared) {
    const passwd = await engine.archives.readFile(await inspector.id(), '/etc/passwd', signal);
    const entry = passwd ? lookupUser(parsePasswd(passwd.toString('utf8')), declared) : undefined;
    if (entry) {
      uid = entry.uid;
      if (entry.home && entry.home !== '/') home = entry.home;
    }
  }
  if (uid === undefined) {
    throw new UserNotAllowedError(
      `base image ${from} has USER ${declared}, which its /etc/passwd does not define`,
      'give a base image whose notebook user exists',
    );
  }
  if (uid === 0) {
    throw new UserNotAllowedError(
      `base image ${from} runs as root (USER ${declared || 'empty'})`,
      'give a Jupyter stack image, whose notebook user is not root',
    );
  }
  return { uid, home };
}
