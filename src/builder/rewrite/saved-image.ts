/**
 * What an image export (`docker save`, GET /images/{name}/get) holds, entry by entry. Docker 20.10
 * writes `<config>.json`, then `<v1 id>/{VERSION,json,layer.tar}` (in v1-id order, not layer order;
 * a layer that occurs twice is a symbolic link to the first `layer.tar`), then `manifest.json` and
 * `repositories`; Docker 25 and later write an OCI layout whose blobs (`blobs/sha256/<hex>`) are
 * layers, configs and manifests alike, plus the same `manifest.json`. Layers are recognised by their
 * first block (a tar header), everything else is small JSON.
 */
import { posix } from 'node:path';
import { BuildFailedError } from '../../common/errors.js';

export type EntryKind = 'layer' | 'metadata' | 'compressed' | 'unknown';

/** The largest metadata entry of an image export (manifest.json, an image config, the like): each is read into memory whole. */
export const MAX_EXPORT_METADATA_BYTES = 16 * 1024 * 1024;

const METADATA_NAMES = new Set(['manifest.json', 'repositories', 'index.json', 'oci-layout']);

/** An image this path cannot rewrite: the hint points to the Dockerfile path. */
export function unsupportedImage(message: string): BuildFailedError {
  return new BuildFailedError(message, 'make the builder with `tjs2i builder <stack> --dockerfile` instead');
}

/** A tar header block: the ustar magic (POSIX or GNU) and a valid checksum; or an empty archive's zero block. */
export function isTarBlock(block: Buffer): boolean {
  if (block.length < 512) return false;
  if (block.subarray(0, 512).every((b) => b === 0)) return true;
  if (block.toString('latin1', 257, 262) !== 'ustar') return false;
  let sum = 8 * 32;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += block[i]!;
  const stored = parseInt(block.toString('latin1', 148, 156).replace(/\0.*$/s, '').trim(), 8);
  return stored === sum;
}

const COMPRESSED: [string, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

export function compressionOf(head: Buffer): string | undefined {
  return COMPRESSED.find(([, magic]) => magic.every((b, i) => head[i] === b))?.[0];
}

/** What an export entry is, from its name, size and first bytes (up to 512). */
export function classifyEntry(name: string, size: number, head: Buffer): EntryKind {
  const base = posix.basename(name);
  if (METADATA_NAMES.has(base) || base === 'VERSION' || base === 'json' || (base.endsWith('.json') && !name.startsWith('blobs/'))) return 'metadata';
  if (size >= 1024 && isTarBlock(head)) return 'layer';
  if (compressionOf(head)) return 'compressed';
  if (base === 'layer.tar') return 'unknown';
  return size <= MAX_EXPORT_METADATA_BYTES ? 'metadata' : 'unknown';
}

export interface ManifestEntry {
  config: string;
  layers: string[];
}

/** The one image of an export's manifest.json (the legacy manifest Docker writes in both layouts). */
export function readManifest(json: Buffer | undefined): ManifestEntry {
  if (!json) throw unsupportedImage('the image export has no manifest.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw unsupportedImage('the image export has an unreadable manifest.json');
  }
  const entries = Array.isArray(parsed) ? (parsed as { Config?: unknown; Layers?: unknown }[]) : [];
  const [entry] = entries;
  if (entries.length !== 1 || typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) {
    throw unsupportedImage(`the image export's manifest.json does not describe one image (${entries.length} entries)`);
  }
  return { config: entry.Config, layers: entry.Layers as string[] };
}

/** The entry a symbolic or hard link in the export leads to (relative to the link's directory, or to the root). */
export function linkTargetOf(name: string, linkname: string, hard: boolean): string {
  return posix.normalize(hard ? linkname : posix.join(posix.dirname(name), linkname)).replace(/^\/+/, '');
}
