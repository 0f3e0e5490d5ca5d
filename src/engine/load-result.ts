/**
 * What an engine's `POST /images/load` said it loaded, from the `stream` lines of its answer. Docker
 * names an untagged image by id (`Loaded image ID: sha256:…`) and a tagged one by tag
 * (`Loaded image: name:tag`); Podman says `Loaded image: …` for both, its names joined by commas, an
 * untagged image's name being its id (`sha256:<hex>`).
 */
import type { LoadResult } from './image-client.js';

const IMAGE_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

export function loadResultOf(lines: readonly string[]): LoadResult {
  const result: LoadResult = { imageIds: [], tags: [] };
  for (const line of lines) {
    const id = /^Loaded image ID: (\S+)/.exec(line)?.[1];
    if (id) {
      result.imageIds.push(id);
      continue;
    }
    const names = /^Loaded image(?:\(s\))?: (.+)$/.exec(line.trim())?.[1];
    for (const name of names?.split(',').map((n) => n.trim()) ?? []) {
      const hex = IMAGE_ID.exec(name)?.[1];
      if (hex) result.imageIds.push(`sha256:${hex}`);
      else if (name) result.tags.push(name);
    }
  }
  return result;
}
