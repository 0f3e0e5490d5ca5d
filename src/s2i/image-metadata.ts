/**
 * Labels an assemble script asks for: s2i reads `/tmp/.s2i/image_metadata.json`, written inside the
 * build container, shaped `{"labels": [{"name": "value"}, ...]}`, and puts them on the image.
 */

export const IMAGE_METADATA_PATH = '/tmp/.s2i/image_metadata.json';

export interface ImageMetadata {
  labels: Record<string, string>;
  /** What was wrong with the file, for warnings (the build goes on without those labels). */
  problems: string[];
}

export function parseImageMetadata(text: string): ImageMetadata {
  const labels: Record<string, string> = {};
  const problems: string[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { labels, problems: [`not valid JSON (${(error as Error).message})`] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { labels, problems: ['expected an object with a "labels" list'] };
  }
  const list = (parsed as { labels?: unknown }).labels;
  if (list === undefined) return { labels, problems };
  // s2i writes a list of one-pair objects; a plain object is accepted too.
  const pairs: unknown[] = Array.isArray(list) ? list : [list];
  for (const item of pairs) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`ignored ${JSON.stringify(item)}: each label is an object such as {"name": "value"}`);
      continue;
    }
    for (const [key, value] of Object.entries(item)) {
      if (!key.trim()) {
        problems.push('ignored a label with an empty name');
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        labels[key] = String(value);
      } else {
        problems.push(`ignored label ${key}: its value is not a string`);
      }
    }
  }
  return { labels, problems };
}
