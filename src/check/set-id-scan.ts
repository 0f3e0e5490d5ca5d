/**
 * The names that were set-uid or set-gid files in some layer of an image, read from the engine's
 * image export as it streams: each layer tar goes through the builder's layer reader (every member
 * read as the engine's Go archive/tar reads it, hard links grouped, tar headers only: file contents
 * stream past unread) with no tree to rewrite, into nothing, and its findings are kept. What is
 * still there in the final file system, after the layers above have removed, replaced or hidden a
 * name, is for the engine's merged view to settle (set-id-check.ts). No container runs.
 */
import { pipeline as pipelineCallback, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { concat, readHead } from '../builder/rewrite/export-entries.js';
import { LayerTarError, layerRewriter } from '../builder/rewrite/layer-rewrite.js';
import { classifyEntry, compressionOf } from '../builder/rewrite/saved-image.js';

/** The export could not be read for set-id files (the check reports the line as not determined). */
export class SetIdScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetIdScanError';
  }
}

export interface SetIdScan {
  /** Absolute names that were set-id files in some layer (and /etc/passwd where a layer has it), sorted. */
  candidates: string[];
  layers: number;
}

/** Reads the whole export; a layer it cannot read is a SetIdScanError. */
export async function scanSetIdCandidates(exported: Readable): Promise<SetIdScan> {
  const names = new Set<string>();
  let layers = 0;
  const extract = tar.extract();
  pipelineCallback(exported, extract, () => undefined); // errors surface in the loop below
  for await (const entry of extract) {
    const { name: rawName, size = 0, type } = entry.header;
    const name = rawName.replace(/^\.?\/+/, '');
    if (type !== 'file' && type !== 'contiguous-file') {
      entry.resume();
      continue;
    }
    const { head, rest } = await readHead(entry as AsyncIterable<Buffer>, 512);
    const kind = classifyEntry(name, size, head);
    if (kind === 'compressed') throw new SetIdScanError(`the image export has a ${compressionOf(head)}-compressed layer (${name}), which is not read here`);
    if (kind === 'unknown') throw new SetIdScanError(`the image export holds ${name} (${size} bytes), neither a layer tar nor metadata`);
    if (kind === 'metadata') {
      await drain(rest);
      continue;
    }
    for (const candidate of await layerCandidates(name, concat(head, rest))) names.add(candidate);
    layers++;
  }
  return { candidates: [...names].sort(), layers };
}

/** Reads an entry to its end (the export's small JSON files: not needed here). */
async function drain(rest: AsyncIterator<Buffer>): Promise<void> {
  for (let next = await rest.next(); !next.done; next = await rest.next());
}

/** One layer's set-id names, its bytes streamed through the reader into nothing. */
async function layerCandidates(name: string, bytes: AsyncIterable<Buffer>): Promise<string[]> {
  const reader = layerRewriter({ trees: [] });
  const nothing = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(Readable.from(bytes), reader, nothing);
  } catch (error) {
    if (error instanceof LayerTarError) throw new SetIdScanError(`layer ${name} cannot be read: ${error.message}`);
    throw error;
  }
  return reader.findings().candidates;
}
