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
import { createHash } from 'node:crypto';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { builderConfig, loadManifest, serializeConfig } from './image-config.js';
import type { ImageClient } from '../../engine/image-client.js';
import { InterruptedError, throwIfAborted } from '../../common/errors.js';
import { classifyEntry, compressionOf, linkTargetOf, MAX_EXPORT_METADATA_BYTES, readManifest, unsupportedImage } from './saved-image.js';
import { SCRIPT_NAMES, SCRIPTS_DIR } from '../../s2i/builder-scripts.js';
import { extraLayer } from './extra-layer.js';
import { MAX_FIX_BYTES, planFixes, type FinalFileSystem, type FinalFix } from './outside-tree-fixes.js';
import { LayerTarError, layerRewriter, type CaptureBudget, type LayerFindings, type LayerRewriteStats, type LayerRules } from './layer-rewrite.js';

export interface ImageRewriteSpec {
  /** The base image (id or name). */
  image: string;
  rules: LayerRules;
  uid: number;
  home: string;
  cmd: string[];
  labels: Record<string, string>;
  /** The history line of the extra layer. */
  createdBy: string;
  /** The base image's final file system, for the fixes beyond the trees (a created container of `image`). */
  final: FinalFileSystem;
  /** Called once per layer as it has been rewritten. */
  onLayer?: (layer: RewrittenLayer) => void;
}

export interface RewrittenLayer {
  /** The entry's name in the export. */
  source: string;
  /** Its name in the loaded archive. */
  name: string;
  size: number;
  diffId: string;
  stats: LayerRewriteStats;
  /** Whether the layer came out byte-identical (the engine keeps the one it has). */
  unchanged: boolean;
  findings: LayerFindings;
}

export interface ImageRewriteResult {
  /** The loaded, untagged image. */
  imageId: string;
  layers: RewrittenLayer[];
  stats: LayerRewriteStats;
  /** Files outside the trees written again in the extra layer with a fixed mode. */
  fixes: FinalFix[];
}

interface EntryHeader {
  name: string;
  size?: number;
  type?: string | null;
  linkname?: string | null;
  mtime?: Date;
}

/** Reads from the entry until `bytes` are there (or it ends): the head, and an iterator over the rest. */
async function readHead(entry: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const rest = entry[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await rest.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  return { head: Buffer.concat(chunks), rest };
}

async function* concat(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length) yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** Writes a stream into a pack entry of a known size, with back-pressure; resolves when the entry is complete. */
async function writeEntry(
  pack: tar.Pack,
  header: Partial<tar.Header> & { name: string },
  source: AsyncIterable<Buffer>,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  let sink!: ReturnType<tar.Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
  });
  done.catch(() => undefined);
  // A failure destroys the pack and with it this entry: `done` reports it.
  sink.on('error', () => undefined);
  for await (const chunk of source) {
    onChunk(chunk);
    if (!sink.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          sink.off('drain', go);
          sink.off('close', go);
          resolve();
        };
        sink.on('drain', go);
        sink.on('close', go);
      });
      if (sink.destroyed) break;
    }
  }
  (sink as unknown as { end(): void }).end();
  await done;
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
  const extract = tar.extract();
  pipelineCallback(exported, extract, () => undefined); // errors surface in the loop below
  const metadata = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const bySource = new Map<string, RewrittenLayer>();
  // Set-id programs and /etc/passwd outside the trees are kept as the layers have them (a few
  // hundred kilobytes), so the extra layer rarely needs to ask the engine for their content.
  const budget: CaptureBudget = { bytes: MAX_FIX_BYTES };
  for await (const entry of extract) {
    const header = entry.header as EntryHeader;
    const name = header.name.replace(/^\.?\/+/, '');
    const size = header.size ?? 0;
    if (header.type === 'symlink' || header.type === 'link') {
      links.set(name, linkTargetOf(name, header.linkname ?? '', header.type === 'link'));
      entry.resume();
      continue;
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      entry.resume();
      continue;
    }
    const { head, rest } = await readHead(entry as AsyncIterable<Buffer>, 512);
    const kind = classifyEntry(name, size, head);
    if (kind === 'compressed') throw unsupportedImage(`the base image has a ${compressionOf(head)}-compressed layer (${name}), which this path cannot rewrite`);
    if (kind === 'unknown') throw unsupportedImage(`the base image export holds ${name} (${size} bytes), neither a layer tar nor metadata`);
    if (kind === 'metadata') {
      if (size > MAX_EXPORT_METADATA_BYTES) throw unsupportedImage(`the image export's ${name} is ${size} bytes, more than ${MAX_EXPORT_METADATA_BYTES}`);
      const chunks = [head];
      for await (const chunk of concat(Buffer.alloc(0), rest)) chunks.push(chunk);
      metadata.set(name, Buffer.concat(chunks));
      continue;
    }
    const layer: RewrittenLayer = {
      source: name,
      name: `layers/${layers.length}.tar`,
      size,
      diffId: '',
      stats: { entries: 0, rewritten: 0, setIdCleared: 0 },
      unchanged: false,
      findings: { candidates: [], dirs: new Map(), captured: new Map(), mayTouch: () => true },
    };
    const rewriter = layerRewriter(spec.rules, budget);
    const hash = createHash('sha256');
    let written = 0;
    // tar-stream writes sizes over 8 GiB in base-256 (read back by the engine's Go archive/tar)
    // and reads base-256 and PAX sizes: layers of any size pass.
    await Promise.all([
      pipeline(Readable.from(concat(head, rest)), rewriter).catch((error: unknown) => {
        throw error instanceof LayerTarError ? unsupportedImage(`layer ${name} cannot be read: ${error.message}`) : error;
      }),
      writeEntry(
        pack,
        { name: layer.name, size, mode: 0o644, type: 'file', mtime: header.mtime ?? new Date(0) },
        rewriter as AsyncIterable<Buffer>,
        (chunk) => {
          hash.update(chunk);
          written += chunk.length;
        },
      ),
    ]);
    if (written !== size) throw new Error(`layer ${name}: the rewriter wrote ${written} bytes of ${size}`);
    layer.diffId = `sha256:${hash.digest('hex')}`;
    layer.stats = { ...rewriter.stats };
    layer.unchanged = rewriter.stats.rewritten === 0;
    layer.findings = rewriter.findings();
    layers.push(layer);
    bySource.set(name, layer);
    spec.onLayer?.(layer);
  }

  const manifest = readManifest(metadata.get('manifest.json'));
  const resolve = (name: string): RewrittenLayer | undefined => {
    let current = name;
    for (let i = 0; i < 40 && !bySource.has(current) && links.has(current); i++) current = links.get(current)!;
    return bySource.get(current);
  };
  const ordered = manifest.layers.map((name) => {
    const layer = resolve(name);
    if (!layer) throw unsupportedImage(`the image export's layer ${name} is missing or not an uncompressed tar`);
    return layer;
  });
  const configBytes = metadata.get(manifest.config);
  if (!configBytes) throw unsupportedImage(`the image export has no config ${manifest.config}`);
  let baseConfig: Record<string, unknown>;
  try {
    baseConfig = JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw unsupportedImage(`the image export's config ${manifest.config} is not JSON`);
  }

  const created = new Date();
  const plan = await planFixes(
    ordered.map((l) => l.findings),
    spec.final,
    { trees: spec.rules.trees, scriptsDir: SCRIPTS_DIR, scripts: SCRIPT_NAMES },
  );
  fixes.push(...plan.files);
  const scripts = await extraLayer({ mtime: created, fixes: plan.files, parents: plan.parents, scriptsDir: plan.scriptsDir });
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
  const entry = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: data.length, mode: 0o644, mtime: created }, data, (error) => (error ? reject(error) : resolve())),
    );
  await entry('layers/scripts.tar', scripts.data);
  await entry(configName, config.bytes);
  await entry('manifest.json', loadManifest(configName, [...ordered.map((l) => l.name), 'layers/scripts.tar']));
  pack.finalize();
  return config.id;
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
    if (!loaded.imageIds.includes(id)) throw new Error(`the engine loaded ${loaded.imageIds.join(', ') || 'nothing'}, not ${id}`);
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
