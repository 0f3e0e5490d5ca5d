/**
 * Compact pull progress. The engine sends a line for every layer state change; the user sees one
 * summary instead ("3/5 layers, 12.3 MB of 45.6 MB"): on a terminal a single line updated in place,
 * elsewhere (CI logs) at most one line every few seconds. The digest is kept for the final line.
 */
import type { ProgressEvent } from './json-stream.js';
import { formatBytes } from './log.js';

export interface PullProgressOptions {
  /** Raw output (no newline added). */
  write: (text: string) => void;
  /** Update one line in place (stderr is a terminal). */
  tty: boolean;
  now?: () => number;
  /** Least time between two lines when not on a terminal (ms). */
  intervalMs?: number;
}

export interface PullProgress {
  onEvent(event: ProgressEvent): void;
  /** Clears the live line; returns the pulled digest when the engine told it. */
  finish(): string | undefined;
}

interface Layer {
  done: boolean;
  current: number;
  total: number;
}

const LAYER_DONE = new Set(['Pull complete', 'Already exists']);
const TTY_INTERVAL_MS = 200;

export function createPullProgress(image: string, options: PullProgressOptions): PullProgress {
  const now = options.now ?? (() => performance.now());
  const interval = options.tty ? TTY_INTERVAL_MS : (options.intervalMs ?? 5000);
  const layers = new Map<string, Layer>();
  let digest: string | undefined;
  let last = now();
  let shown = '';
  let live = false;

  const summary = () => {
    const all = [...layers.values()];
    const done = all.filter((l) => l.done).length;
    const total = all.reduce((sum, l) => sum + l.total, 0);
    const current = all.reduce((sum, l) => sum + (l.done ? l.total : Math.min(l.current, l.total)), 0);
    const bytes = total > 0 ? `, ${formatBytes(current)} of ${formatBytes(total)}` : '';
    return `    pulling ${image}: ${done}/${all.length} layers${bytes}`;
  };

  return {
    onEvent(event) {
      const status = event.status ?? '';
      const digestMatch = /^Digest: (\S+)/.exec(status);
      if (digestMatch) digest = digestMatch[1];
      // Layer events carry the layer id; "Pulling from x" carries the tag, and no progress.
      if (!event.id || /^Pulling from /.test(status)) return;
      const layer = layers.get(event.id) ?? { done: false, current: 0, total: 0 };
      layers.set(event.id, layer);
      if (LAYER_DONE.has(status)) layer.done = true;
      if (status === 'Downloading' && event.progressDetail) {
        layer.current = event.progressDetail.current ?? layer.current;
        layer.total = event.progressDetail.total ?? layer.total;
      }
      if (status === 'Download complete') layer.current = layer.total;
      if (now() - last < interval) return;
      last = now();
      const text = summary();
      if (text === shown) return;
      shown = text;
      if (options.tty) {
        options.write(`\r\x1b[K${text}`);
        live = true;
      } else {
        options.write(`${text}\n`);
      }
    },
    finish() {
      if (live) options.write('\r\x1b[K');
      live = false;
      return digest;
    },
  };
}
