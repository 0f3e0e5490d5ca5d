/**
 * Compact push progress, as pull-progress.ts does for pulls: one summary ("2/5 layers, 12.3 MB of
 * 45.6 MB") instead of a line per layer state change; on a terminal one line updated in place,
 * elsewhere (CI logs) a plain line at most every few seconds, with no control characters. The
 * digest the registry gave is kept for the final line.
 */
import type { ProgressEvent } from './json-stream.js';
import { formatBytes } from './log.js';
import type { PullProgressOptions } from './pull-progress.js';

export type PushProgressOptions = PullProgressOptions;

export interface PushProgress {
  onEvent(event: ProgressEvent): void;
  /** Clears the live line; returns the pushed digest when the engine told it. */
  finish(): string | undefined;
}

const LAYER_DONE = /^(Pushed|Layer already exists|Mounted from )/;
const TTY_INTERVAL_MS = 200;

export function createPushProgress(image: string, options: PushProgressOptions): PushProgress {
  const now = options.now ?? (() => performance.now());
  const interval = options.tty ? TTY_INTERVAL_MS : (options.intervalMs ?? 5000);
  const layers = new Map<string, { done: boolean; current: number; total: number }>();
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
    return `    pushing ${image}: ${done}/${all.length} layers${bytes}`;
  };

  return {
    onEvent(event) {
      digest = event.aux?.Digest ?? /\bdigest: (sha256:[0-9a-f]{64})/.exec(event.status ?? '')?.[1] ?? digest;
      if (!event.id || !event.status) return;
      const layer = layers.get(event.id) ?? { done: false, current: 0, total: 0 };
      layers.set(event.id, layer);
      if (LAYER_DONE.test(event.status)) layer.done = true;
      if (event.status === 'Pushing' && event.progressDetail) {
        layer.current = event.progressDetail.current ?? layer.current;
        layer.total = event.progressDetail.total ?? layer.total;
      }
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
