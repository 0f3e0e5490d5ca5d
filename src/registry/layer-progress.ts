/**
 * Compact progress of an image transfer (pull or push). The engine sends a line for every layer
 * state change; the user sees one summary instead ("3/5 layers, 12.3 MB of 45.6 MB"): on a
 * terminal a single line updated in place, elsewhere (CI logs) a plain line at most every few
 * seconds. The digest the engine names is kept for the final line. What an event means for its
 * layer is the transfer's own (`LayerEvents`).
 */
import type { ProgressEvent } from '../engine/progress-stream.js';
import { formatBytes } from '../common/log.js';

export interface LayerProgressOptions {
  /** Raw output (no newline added). */
  write: (text: string) => void;
  /** Update one line in place (stderr is a terminal). */
  tty: boolean;
  now?: () => number;
  /** Least time between two lines when not on a terminal (ms). */
  intervalMs?: number;
}

export interface LayerProgress {
  onEvent(event: ProgressEvent): void;
  /** Clears the live line; returns the digest when the engine told it. */
  finish(): string | undefined;
}

export interface Layer {
  done: boolean;
  current: number;
  total: number;
}

/** How one kind of transfer reads the engine's events. */
export interface LayerEvents {
  /** The digest an event names, if any. */
  digestOf(event: ProgressEvent): string | undefined;
  /** Whether the event is about a layer (it then has an id). */
  isLayerEvent(event: ProgressEvent): boolean;
  /** Updates the layer from its event. */
  apply(event: ProgressEvent, layer: Layer): void;
}

const TTY_INTERVAL_MS = 200;

/** `verb` names the transfer in the summary: "pulling", "pushing". */
export function createLayerProgress(verb: string, image: string, options: LayerProgressOptions, events: LayerEvents): LayerProgress {
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
    return `    ${verb} ${image}: ${done}/${all.length} layers${bytes}`;
  };

  return {
    onEvent(event) {
      digest = events.digestOf(event) ?? digest;
      if (!event.id || !events.isLayerEvent(event)) return;
      const layer = layers.get(event.id) ?? { done: false, current: 0, total: 0 };
      layers.set(event.id, layer);
      events.apply(event, layer);
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
