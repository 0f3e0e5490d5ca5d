/**
 * PLACEHOLDER (feat-image): a pass-through with the interface of the per-layer rewriter written on
 * feat-rewrite; the integrator takes that one. It changes nothing and counts nothing.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Absolute, normalised, symlink-free paths without a trailing slash. */
export interface LayerRules {
  trees: readonly string[];
}

export interface LayerRewriteStats {
  entries: number;
  rewritten: number;
  setIdCleared: number;
}

/**
 * A raw-bytes Transform over an uncompressed layer tar: output length === input length; a layer
 * needing no change comes out byte-identical.
 */
export function layerRewriter(rules: LayerRules): Transform & { readonly stats: LayerRewriteStats } {
  void rules;
  const stats: LayerRewriteStats = { entries: 0, rewritten: 0, setIdCleared: 0 };
  const transform = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      callback(null, chunk);
    },
  });
  return Object.assign(transform, { stats });
}
