/** Pull progress: how a pull's events move its layers (see layer-progress.ts for the display). */
import type { ProgressEvent } from '../engine/progress-stream.js';
import { createLayerProgress, type Layer, type LayerProgress, type LayerProgressOptions } from './layer-progress.js';

export type PullProgressOptions = LayerProgressOptions;
export type PullProgress = LayerProgress;

const LAYER_DONE = new Set(['Pull complete', 'Already exists']);

const pullEvents = {
  digestOf: (event: ProgressEvent) => /^Digest: (\S+)/.exec(event.status ?? '')?.[1],
  // Layer events carry the layer id; "Pulling from x" carries the tag, and no progress.
  isLayerEvent: (event: ProgressEvent) => !/^Pulling from /.test(event.status ?? ''),
  apply(event: ProgressEvent, layer: Layer) {
    const status = event.status ?? '';
    if (LAYER_DONE.has(status)) layer.done = true;
    if (status === 'Downloading' && event.progressDetail) {
      layer.current = event.progressDetail.current ?? layer.current;
      layer.total = event.progressDetail.total ?? layer.total;
    }
    if (status === 'Download complete') layer.current = layer.total;
  },
};

export function createPullProgress(image: string, options: PullProgressOptions): PullProgress {
  return createLayerProgress('pulling', image, options, pullEvents);
}
