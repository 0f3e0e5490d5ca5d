/**
 * `tjs2i check <image>`: would the image run on a restricted platform? The image is inspected (and
 * pulled as the policy says); a container that is never started answers questions about its files
 * (is `jupyter` on its PATH, /etc/passwd, the S2I scripts); then, at the same time:
 * - its own command is started as an arbitrary UID with group 0 and watched (run-watch.ts);
 * - a shell in a second container, as the same user, tries to write where users write (writable-probe.ts);
 * - its export is read for set-id files, settled in the final file system (set-id-check.ts).
 * Nothing runs as root: every container gets the arbitrary UID, whatever the image's USER says.
 * Every container is removed however the check ends; the report's lines are judged from what was
 * found (check-report.ts).
 */
import { escapeControls } from '../common/message-text.js';
import { invalidImageName, isImageId, isValidImageReference } from '../registry/image-ref.js';
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import { settleAll } from '../common/settle-all.js';
import { formatBytes, formatDuration, type Logger } from '../common/log.js';
import { DEFAULT_PULL_POLICY, ensureImage, type PullPolicy } from '../registry/pull-policy.js';
import { arbitraryUid } from './arbitrary-uid.js';
import { inReportOrder, type CheckLine, type CheckReport } from './check-report.js';
import { healthcheckLine, portLine } from './config-checks.js';
import { imageFiles, type ImageFiles } from './image-files.js';
import { numericUid, userFacts, userLine } from './image-user.js';
import { findJupyter } from './jupyter-on-path.js';
import { jupyterLine, stayUpLine, watchRun, type WatchOptions } from './run-watch.js';
import { s2iFacts, s2iLine, TJS2I_BUILDER_LABEL, writableTreesOf } from './s2i-check.js';
import { checkSetId, setIdLine } from './set-id-check.js';
import { homeLine, probeWritable, treesLine } from './writable-probe.js';

export interface CheckOptions {
  /** Judge it as an S2I builder whatever its labels say (`--builder`). */
  builder?: boolean;
  pullPolicy?: PullPolicy;
  /** The watch's timings (tests). */
  watch?: WatchOptions;
}

export async function checkImage(engine: Engine, image: string, options: CheckOptions, logger: Logger, signal: AbortSignal | undefined): Promise<CheckReport> {
  if (!isValidImageReference(image) && !isImageId(image)) {
    throw invalidImageName('image', image, 'give an image name such as quay.io/jupyter/minimal-notebook:2024-05-01, or an image id');
  }
  const started = Date.now();
  const info = await logger.step('inspect', `image ${image}`, () =>
    ensureImage(engine.images, image, options.pullPolicy ?? DEFAULT_PULL_POLICY, logger, signal, { missingHint: 'build or pull it first, or check the name' }),
  );
  const uid = arbitraryUid();
  // Pending engine calls and fetches do not always keep Node alive: hold it until the check is over.
  const keepAlive = setInterval(() => undefined, 60_000);
  // The image by id: a tag moved while the check runs does not change what is checked.
  const files = imageFiles(engine, info.id, uid, signal);
  try {
    const checks = await logger.step('check', `${image} as uid ${uid}, group 0`, async () => {
      const jupyter = await findJupyter(files, info.env);
      logger.info(jupyter ? `    a Jupyter image: ${escapeControls(jupyter)}` : '    not a Jupyter image: no `jupyter` on its PATH');
      return judge(engine, info, uid, jupyter, options, logger, signal, files);
    });
    return {
      image,
      imageId: info.id,
      uid,
      ...(checks.jupyter ? { jupyter: checks.jupyter } : {}),
      builder: checks.builder,
      checks: checks.lines,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    clearInterval(keepAlive);
    await files.remove().catch((error: unknown) => logger.warn(`could not remove a container of the check: ${String(error)}`));
  }
}

/** Finds out everything at once, and judges it. */
async function judge(
  engine: Engine,
  info: ImageInfo,
  uid: number,
  jupyter: string | undefined,
  options: CheckOptions,
  logger: Logger,
  signal: AbortSignal | undefined,
  files: ImageFiles,
): Promise<{ lines: CheckLine[]; jupyter?: string; builder: boolean }> {
  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const since = Date.now();
    const result = await run();
    logger.info(`    ${what} in ${formatDuration(Date.now() - since)}`);
    return result;
  };
  const named = numericUid(info.user) === undefined && info.user.trim() !== '';
  // Every one runs to its end (each removes its own container) before a failure is reported.
  const [run, writable, setId, passwd, s2i] = await settleAll(signal, [
    timed('watched the command', () => watchRun(engine.containers, info.id, uid, jupyter !== undefined, logger, signal, options.watch)),
    timed('tried writing as that user', () => probeWritable(engine.containers, info.id, uid, writableTreesOf(info.labels), signal)),
    timed("read the image's layers for set-id files", () => {
      logger.info(`    reading the image's layers (${formatBytes(info.size)}) for set-id files`);
      return checkSetId(engine.images, files, info.id, signal);
    }),
    named ? files.read('/etc/passwd') : Promise.resolve(undefined),
    s2iFacts(info.labels, options.builder === true, files),
  ] as const);
  // `tjs2i builder` is advice for a Jupyter stack that is not already one of its builders (or built from one).
  const stack = jupyter !== undefined && !info.labels[TJS2I_BUILDER_LABEL];
  const lines = [
    userLine(userFacts(info.user, passwd?.toString('utf8')), stack),
    stayUpLine(run, uid),
    jupyterLine(run, jupyter),
    homeLine(writable),
    treesLine(writable),
    setIdLine(setId),
    portLine(info, jupyter !== undefined),
    healthcheckLine(info, jupyter !== undefined),
    s2iLine(s2i),
  ];
  if (run.exited && run.lastLines.length) {
    logger.info(`    the command's last lines:\n${run.lastLines.map((l) => `      ${escapeControls(l)}`).join('\n')}`);
  }
  return { lines: inReportOrder(lines), ...(jupyter ? { jupyter } : {}), builder: s2i.claim.claimed };
}
