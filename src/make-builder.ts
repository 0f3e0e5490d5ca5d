/**
 * `tjs2i builder`: make an S2I builder image from a Jupyter stack image, through the engine's
 * build API with a tar-stream context (Dockerfile + the S2I scripts).
 */
import { randomBytes } from 'node:crypto';
import { builderDockerfile, builderLabels } from './builder-dockerfile.js';
import { parseNumericUser } from './builder-image.js';
import type { Engine, ImageInfo } from './engine.js';
import { throwIfAborted, UsageError, UserNotAllowedError } from './errors.js';
import { isValidImageName } from './image-ref.js';
import { formatBytes, type Logger } from './log.js';
import { s2iScript } from './package-files.js';
import { DEFAULT_PULL_POLICY, ensureImage, type PullPolicy } from './pull-policy.js';
import { lookupUser, parsePasswd } from './passwd.js';
import { envOf, findStack, planTrees, STACKS, treeRoots, type PlannedTree } from './stacks.js';
import { packTrees } from './tar.js';

export interface BuilderOptions {
  stack: string;
  from?: string;
  tag?: string;
  /** When to pull the base image (default if-not-present). */
  pullPolicy?: PullPolicy;
}

export interface BuilderResult {
  image: string;
  imageId: string;
  size: number;
  baseSize: number;
  uid: number;
  /** The trees made writable for group 0 (when the base image has them). */
  trees: PlannedTree[];
}

export async function makeBuilder(engine: Engine, options: BuilderOptions, logger: Logger, signal?: AbortSignal): Promise<BuilderResult> {
  const stack = findStack(options.stack);
  if (!stack) {
    throw new UsageError(`unknown stack ${options.stack}`, `choose one of: ${STACKS.map((s) => s.name).join(', ')}`);
  }
  const from = options.from ?? stack.upstream;
  const tag = options.tag ?? `jupyter-${stack.name}`;
  if (!isValidImageName(tag)) throw new UsageError(`invalid --tag ${tag}`, 'use lowercase name[:tag]');

  const base = await logger.step('inspect', `base image ${from}`, () =>
    ensureImage(engine, from, options.pullPolicy ?? DEFAULT_PULL_POLICY, logger, signal, { missingHint: 'give a local base image with --from' }),
  );
  throwIfAborted(signal);

  const user = await logger.step('user', `resolve USER ${base.user || '(empty)'}`, () => resolveUser(engine, from, base, signal));
  logger.info(`    notebook user: uid ${user.uid}, home ${user.home}`);
  const trees = planTrees(stack, { env: base.env, home: user.home });
  for (const tree of trees) {
    const origin = tree.spec === '$HOME' ? '' : ` (${tree.spec}${tree.source === 'default' ? ', default' : ''})`;
    logger.info(`    writable for group 0: ${tree.path}${origin}`);
  }
  const paths = trees.map((t) => t.path);
  const plan = { from, uid: user.uid, home: user.home, trees: treeRoots(paths) };

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
  const imageId = await logger.step('build', `${tag} from ${from}`, async () => {
    const [, id] = await Promise.all([
      context.done,
      engine.buildImage(context.stream, { tag, labels: builderLabels(stack, from, paths), onEvent: (e) => e.stream && logger.output(e.stream) }, signal),
    ]);
    return id;
  });
  const info = await engine.inspectImage(imageId, signal);
  logger.info(`builder ${tag} (${imageId.replace('sha256:', '').slice(0, 12)}), ${formatBytes(info?.size ?? 0)}; base ${formatBytes(base.size)}`);
  return { image: tag, imageId, size: info?.size ?? 0, baseSize: base.size, uid: user.uid, trees };
}

/** The notebook user's uid and home: from USER when numeric, else from the image's /etc/passwd. */
async function resolveUser(engine: Engine, from: string, base: ImageInfo, signal?: AbortSignal): Promise<{ uid: number; home: string }> {
  const declared = base.user.trim();
  const defaultHome = `/home/${envOf(base.env, 'NB_USER') ?? 'jovyan'}`;
  const numeric = parseNumericUser(declared);
  // An empty USER means root.
  let uid = declared ? numeric?.uid : 0;
  let home = defaultHome;
  if (declared) {
    const name = `tjs2i-inspect-${randomBytes(6).toString('hex')}`;
    let container = name; // removed by name if the create request is interrupted
    try {
      container = await engine.createContainer({ image: base.id, name, user: '0', entrypoint: ['/bin/true'], cmd: [] }, signal);
      const passwd = await engine.readFile(container, '/etc/passwd', signal);
      const entry = passwd ? lookupUser(parsePasswd(passwd.toString('utf8')), declared) : undefined;
      if (entry) {
        uid = entry.uid;
        if (entry.home && entry.home !== '/') home = entry.home;
      }
    } finally {
      await engine.removeContainer(container);
    }
  }
  if (uid === undefined) {
    throw new UserNotAllowedError(`base image ${from} has USER ${declared}, which its /etc/passwd does not define`, 'give a base image whose notebook user exists');
  }
  if (uid === 0) {
    throw new UserNotAllowedError(`base image ${from} runs as root (USER ${declared || 'empty'})`, 'give a Jupyter stack image, whose notebook user is not root');
  }
  return { uid, home };
}
