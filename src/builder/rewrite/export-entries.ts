/**
 * The engine's image export read entry by entry, in one pass (image-rewrite.ts): every layer tar
 * streams through layerRewriter straight into a pack entry of the same size, hashed on the way, so
 * no layer is held in memory; the export's small metadata files and its links are kept for the end.
 */
import { createHash } from 'node:crypto';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { classifyEntry, compressionOf, linkTargetOf, MAX_EXPORT_METADATA_BYTES, readManifest, unsupportedImage, type ManifestEntry } from './saved-image.js';
import { MAX_FIX_BYTES } from './outside-tree-fixes.js';
import { LayerTarError, layerRewriter, type CaptureBudget, type LayerFindings, type LayerRewriteStats, type LayerRules } from './layer-rewrite.js';

/** What rewriting the export's layers takes. */
export interface LayerRewriteSpec {
  rules: LayerRules;
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

interface EntryHeader {
  name: string;
  size?: number;
  type?: string | null;
  linkname?: string | null;
  mtime?: Date;
}

/** Reads from the entry until `bytes` are there (or it ends): the head, and an iterator over the rest. */
export async function readHead(entry: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
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

/** The head and the rest again as one stream. */
export async function* concat(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
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

/** Links to links are followed this far: a loop of links ends there. */
const MAX_LINK_HOPS = 40;

/**
 * The export read entry by entry, in one pass: each layer is rewritten into the pack as it comes;
 * metadata and links are kept for the end, which needs them to put the layers in the manifest's
 * order and to read the base config.
 */
export class ExportEntries {
  /** Metadata files (manifest.json, configs, OCI indexes and manifests) by name: small JSON. */
  private readonly metadata = new Map<string, Buffer>();
  /** Links of the export (a layer that occurs twice, OCI blobs) to the entries they name. */
  private readonly links = new Map<string, string>();
  private readonly bySource = new Map<string, RewrittenLayer>();
  // Set-id programs and /etc/passwd outside the trees are kept as the layers have them (a few
  // hundred kilobytes), so the extra layer rarely needs to ask the engine for their content.
  private readonly budget: CaptureBudget = { bytes: MAX_FIX_BYTES };

  constructor(
    private readonly pack: tar.Pack,
    private readonly spec: LayerRewriteSpec,
    /** Where each rewritten layer goes, in archive order. */
    private readonly layers: RewrittenLayer[],
  ) {}

  async rewriteAll(exported: Readable): Promise<void> {
    const extract = tar.extract();
    pipelineCallback(exported, extract, () => undefined); // errors surface in the loop below
    for await (const entry of extract) {
      const header = entry.header as EntryHeader;
      const name = header.name.replace(/^\.?\/+/, '');
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        this.noteIfLink(name, header);
        entry.resume();
        continue;
      }
      const size = header.size ?? 0;
      const { head, rest } = await readHead(entry as AsyncIterable<Buffer>, 512);
      if (fileKind(name, size, head) === 'metadata') this.metadata.set(name, await readMetadata(name, size, head, rest));
      else await this.rewriteLayer(name, size, header.mtime, head, rest);
    }
  }

  manifest(): ManifestEntry {
    return readManifest(this.metadata.get('manifest.json'));
  }

  /** The manifest's layers as rewritten, each name followed through the export's links. */
  layersInManifestOrder(manifest: ManifestEntry): RewrittenLayer[] {
    return manifest.layers.map((name) => {
      const layer = this.layerNamed(name);
      if (!layer) throw unsupportedImage(`the image export's layer ${name} is missing or not an uncompressed tar`);
      return layer;
    });
  }

  baseConfig(manifest: ManifestEntry): Record<string, unknown> {
    const configBytes = this.metadata.get(manifest.config);
    if (!configBytes) throw unsupportedImage(`the image export has no config ${manifest.config}`);
    try {
      return JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw unsupportedImage(`the image export's config ${manifest.config} is not JSON`);
    }
  }

  /** Any other entry (a directory, a link) carries no data this rewrite needs; a link is noted for the manifest's names. */
  private noteIfLink(name: string, header: EntryHeader): void {
    if (header.type === 'symlink' || header.type === 'link') this.links.set(name, linkTargetOf(name, header.linkname ?? '', header.type === 'link'));
  }

  /** Streams a layer through the rewriter into a pack entry of the same size, hashing it on the way. */
  private async rewriteLayer(source: string, size: number, mtime: Date | undefined, head: Buffer, rest: AsyncIterator<Buffer>): Promise<void> {
    const name = `layers/${this.layers.length}.tar`;
    const rewriter = layerRewriter(this.spec.rules, this.budget);
    const hash = createHash('sha256');
    let written = 0;
    // tar-stream writes sizes over 8 GiB in base-256 (read back by the engine's Go archive/tar)
    // and reads base-256 and PAX sizes: layers of any size pass.
    await Promise.all([
      pipeline(Readable.from(concat(head, rest)), rewriter).catch((error: unknown) => {
        throw error instanceof LayerTarError ? unsupportedImage(`layer ${source} cannot be read: ${error.message}`) : error;
      }),
      writeEntry(this.pack, { name, size, mode: 0o644, type: 'file', mtime: mtime ?? new Date(0) }, rewriter as AsyncIterable<Buffer>, (chunk) => {
        hash.update(chunk);
        written += chunk.length;
      }),
    ]);
    if (written !== size) throw new Error(`layer ${source}: the rewriter wrote ${written} bytes of ${size}`);
    const layer: RewrittenLayer = {
      source,
      name,
      size,
      diffId: `sha256:${hash.digest('hex')}`,
      stats: { ...rewriter.stats },
      unchanged: rewriter.stats.rewritten === 0,
      findings: rewriter.findings(),
    };
    this.layers.push(layer);
    this.bySource.set(source, layer);
    this.spec.onLayer?.(layer);
  }

  private layerNamed(name: string): RewrittenLayer | undefined {
    let current = name;
    for (let i = 0; i < MAX_LINK_HOPS && !this.bySource.has(current) && this.links.has(current); i++) current = this.links.get(current)!;
    return this.bySource.get(current);
  }
}

/** A file of the export is a layer or metadata; a compressed layer, or a file that is neither, is unsupported. */
function fileKind(name: string, size: number, head: Buffer): 'layer' | 'metadata' {
  const kind = classifyEntry(name, size, head);
  if (kind === 'compressed') throw unsupportedImage(`the base image has a ${compressionOf(head)}-compressed layer (${name}), which this path cannot rewrite`);
  if (kind === 'unknown') throw unsupportedImage(`the base image export holds ${name} (${size} bytes), neither a layer tar nor metadata`);
  return kind;
}

/** A metadata file whole, its head already read: it is read into memory, so it is bounded. */
async function readMetadata(name: string, size: number, head: Buffer, rest: AsyncIterator<Buffer>): Promise<Buffer> {
  if (size > MAX_EXPORT_METADATA_BYTES) throw unsupportedImage(`the image export's ${name} is ${size} bytes, more than ${MAX_EXPORT_METADATA_BYTES}`);
  const chunks = [head];
  for await (const chunk of concat(Buffer.alloc(0), rest)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
