/**
 * Push progress: how a push's events move its layers (see layer-progress.ts for the display). The
 * digest the registry gave comes in the engine's aux object, or in the last status line.
 */
import type { ProgressEvent } from '../engine/progress-stream.js';
import { createLayerProgress, type Layer, type LayerProgress, type LayerProgressOptions } from './layer-progress.js';

export type PushProgressOptions = LayerProgressOptions;
export type PushProgress = LayerProgress;

const LAYER_DONE = /^(Pushed|Layer already exists|Mounted from )/;

const pushEvents = {
  digestOf: (event: ProgressEvent) => event.aux?.Digest ?? /\bdigest: (sha256:[0-9a-f]{64})/.exec(event.status ?? '')?.[1],
  isLayerEvent: (event: ProgressEvent) => Boolean(event.status),
  apply(event: ProgressEvent, layer: Layer) {
    if (LAYER_DONE.test(event.status ?? '')) layer.done = true;
    if (event.status === 'Pushing' && event.progressDetail) {
      layer.current = event.progressDetail.current ?? layer.current;
      layer.total = event.progressDetail.total ?? layer.total;
    }
  },
};

export function createPushProgress(image: string, options: PushProgressOptions): PushProgress {
  return createLayerProgress('pushing', image, options, pushEvents);
}
