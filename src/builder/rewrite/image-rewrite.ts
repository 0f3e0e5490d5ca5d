/**
 * A builder made by rewriting the base image's layers instead of copying them: the engine's image
 * export is read entry by entry; every layer tar goes through layerRewriter (tar headers only, same
 * length) straight into a pack entry of the same size, hashed on the way; at the end the new config
 * (new diff ids, the scripts layer, USER, HOME, CMD, labels) and manifest are added, and the pack is
 * streamed into the engine's image load at the same time as the export is read. No layer is held in
 * memory, no container runs, nothing is written to local disk. The image is loaded untagged and
 * tagged by the caller, so a failed or interrupted run never moves a tag; an image it loaded and
 * could not finish is removed.
 */
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { builderConfig, loadManifest, serializeConfig } from './image-config.js';
import type { ImageClient } from '../../engine/image-client.js';
import { BuildFailedError, InterruptedError, throwIfAborted } from '../../common/errors.js';
import { SCRIPT_NAMES, SCRIPTS_DIR } from '../../s2i/builder-scripts.js';
import { extraLayer } from './extra-layer.js';
import { planFixes, type FinalFileSystem, type FinalFix } from './outside-tree-fixes.js';
import type { LayerRewriteStats } from './layer-rewrite.js';
import { ExportEntries, type LayerRewriteSpec, type RewrittenLayer } from './export-entries.js';

export type { RewrittenLayer } from './export-entries.js';

export interface ImageRewriteSpec extends LayerRewriteSpec {
  /** The base image (id or name). */
  image: string;
  uid: number;
  home: string;
  cmd: string[];
  labels: Record<string, string>;
  /** The history line of the extra layer. */
  createdBy: string;
  /** The base image's final file system, for the fixes beyond the trees (a created container of `image`). */
  final: FinalFileSystem;
}

export interface ImageRewriteResult {
  /** The loaded, untagged image. */
  imageId: string;
  layers: RewrittenLayer[];
  stats: LayerRewriteStats;
  /** Files outside the trees written again in the extra layer with a fixed mode. */
  fixes: FinalFix[];
}

const sum = (stats: LayerRewriteStats[]): LayerRewriteStats =>
  stats.reduce((a, s) => ({ entries: a.entries + s.entries, rewritten: a.rewritten + s.rewritten, setIdCleared: a.setIdCleared + s.setIdCleared }), {
    entries: 0,
    rewritten: 0,
    setIdCleared: 0,
  });

/**
 * Reads the export, writes the rewritten archive into `pack` (and finalizes it). Returns the
 * image id the engine will give the loaded image.
 */
async function rewriteArchive(exported: Readable, pack: tar.Pack, spec: ImageRewriteSpec, layers: RewrittenLayer[], fixes: FinalFix[]): Promise<string> {
  const entries = new ExportEntries(pack, spec, layers);
  await entries.rewriteAll(exported);
  const manifest = entries.manifest();
  const ordered = entries.layersInManifestOrder(manifest);
  const baseConfig = entries.baseConfig(manifest);
  return finishArchive(pack, spec, ordered, baseConfig, fixes);
}

/** The extra layer's name in the loaded archive. */
const SCRIPTS_LAYER = 'layers/scripts.tar';

/**
 * Ends the archive after the base image's layers: the extra layer, the new config (new diff ids,
 * USER, HOME, CMD, labels) and the manifest; then finalizes `pack`. Returns the new image's id.
 */
async function finishArchive(
  pack: tar.Pack,
  spec: ImageRewriteSpec,
  ordered: RewrittenLayer[],
  baseConfig: Record<string, unknown>,
  fixes: FinalFix[],
): Promise<string> {
  const created = new Date();
  const scripts = await extraLayerOf(ordered, spec, created, fixes);
  const config = serializeConfig(
    builderConfig(baseConfig, {
      diffIds: ordered.map((l) => l.diffId),
      extraDiffId: scripts.diffId,
      uid: spec.uid,
      home: spec.home,
      cmd: spec.cmd,
      labels: spec.labels,
      created: created.toISOString(),
      createdBy: spec.createdBy,
    }),
  );
  const configName = `${config.id.replace('sha256:', '')}.json`;
  await addEntry(pack, SCRIPTS_LAYER, scripts.data, created);
  await addEntry(pack, configName, config.bytes, created);
  await addEntry(pack, 'manifest.json', loadManifest(configName, [...ordered.map((l) => l.name), SCRIPTS_LAYER]), created);
  pack.finalize();
  return config.id;
}

/**
 * The extra layer: the S2I scripts, and the files outside the trees that the layers' findings,
 * checked against the base image's final file system, say to write again (added to `fixes`).
 */
async function extraLayerOf(ordered: RewrittenLayer[], spec: ImageRewriteSpec, created: Date, fixes: FinalFix[]): ReturnType<typeof extraLayer> {
  const plan = await planFixes(
    ordered.map((l) => l.findings),
    spec.final,
    { trees: spec.rules.trees, scriptsDir: SCRIPTS_DIR, scripts: SCRIPT_NAMES },
  );
  fixes.push(...plan.files);
  return extraLayer({ mtime: created, fixes: plan.files, parents: plan.parents, scriptsDir: plan.scriptsDir });
}

/** Adds an entry held in memory to `pack`: resolves once it is written. */
function addEntry(pack: tar.Pack, name: string, data: Buffer, mtime: Date): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    pack.entry({ name, size: data.length, mode: 0o644, mtime }, data, (error) => (error ? reject(error) : resolve())),
  );
}

/**
 * Exports `spec.image`, rewrites it and loads the result (untagged). On failure or interruption
 * the upload is abandoned (the engine discards it); once the upload is complete the load is let
 * finish and the image it made is removed, so nothing is left behind.
 */
export async function rewriteImage(images: ImageClient, spec: ImageRewriteSpec, signal?: AbortSignal): Promise<ImageRewriteResult> {
  const exported = await images.exportImage(spec.image, signal);
  const pack = tar.pack();
  // Their errors reach the caller through the pipeline and `fail` below; these listeners only keep
  // a second error (an abort racing a broken connection) from being an uncaught exception.
  exported.on('error', () => undefined);
  pack.on('error', () => undefined);
  const upload = new AbortController();
  let uploaded = false;
  pack.on('end', () => (uploaded = true));
  const onAbort = () => {
    if (!uploaded) upload.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const layers: RewrittenLayer[] = [];
  const fixes: FinalFix[] = [];
  let firstError: unknown;
  const fail = (error: unknown) => {
    firstError ??= error;
    exported.destroy();
    pack.destroy(error instanceof Error ? error : new Error(String(error)));
  };
  let expectedId: string | undefined;
  let loadedIds: string[] = [];
  try {
    const [id, loaded] = await Promise.all([
      rewriteArchive(exported, pack, spec, layers, fixes).then(
        (id) => (expectedId = id),
        (error: unknown) => {
          fail(error);
          throw error;
        },
      ),
      images.loadImage(pack as unknown as Readable, upload.signal).catch((error: unknown) => {
        fail(error);
        throw error;
      }),
    ]);
    loadedIds = loaded.imageIds;
    throwIfAborted(signal);
    // The id is the digest of the configuration sent: another one (or none) means the engine did not load what it was given.
    if (!loaded.imageIds.includes(id)) {
      throw new BuildFailedError(
        `the engine reported loading ${loaded.imageIds.join(', ') || 'no image'}${loaded.tags.length ? ` (${loaded.tags.join(', ')})` : ''}, not the rewritten image ${id}`,
        'the engine did not load the image as sent; nothing was tagged: try tjs2i builder --dockerfile, and report this with the engine (tjs2i version --json)',
      );
    }
    return { imageId: id, layers, stats: sum(layers.map((l) => l.stats)), fixes };
  } catch (error) {
    // The image this run made, whether under the id it expected or another one the engine reported.
    for (const id of new Set([...(expectedId ? [expectedId] : []), ...loadedIds])) await removeIfUntagged(images, id);
    if (signal?.aborted) throw new InterruptedError();
    throw firstError ?? error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Removes an image this run loaded but did not tag (its id is new: it carries this run's time). */
async function removeIfUntagged(images: ImageClient, imageId: string): Promise<void> {
  const info = await images.inspectImage(imageId).catch(() => undefined);
  if (info && info.repoTags.length === 0) await images.removeImage(imageId).catch(() => undefined);
}
