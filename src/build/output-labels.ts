/**
 * The output image's labels, from lowest to highest precedence: the builder's (the engine copies
 * every label of the build container the commit does not name, so build.* labels a builder carries
 * from a build of its own are named here with an empty value), those `assemble` asked for in
 * image_metadata.json, `--application-name`/`--description`, and the provenance of this build,
 * which nothing a source or a script writes can change.
 */
import { TJS2I_BUILD_LABEL_PREFIX } from './fingerprint.js';
import { BUILD_LABEL_PREFIX, Label } from '../s2i/labels.js';

const isBuildLabel = (key: string) => key.startsWith(BUILD_LABEL_PREFIX) || key.startsWith(TJS2I_BUILD_LABEL_PREFIX);

export interface LabelInputs {
  builder: Record<string, string>;
  metadata?: Record<string, string>;
  applicationName?: string;
  description?: string;
  provenance: Record<string, string>;
}

export function outputLabels(inputs: LabelInputs): { labels: Record<string, string>; ignored: string[] } {
  const labels: Record<string, string> = { ...inputs.builder };
  for (const key of Object.keys(labels)) if (isBuildLabel(key)) labels[key] = '';
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(inputs.metadata ?? {})) {
    if (isBuildLabel(key)) ignored.push(key);
    else labels[key] = value;
  }
  if (inputs.applicationName) labels[Label.displayName] = inputs.applicationName;
  if (inputs.description) labels[Label.description] = inputs.description;
  return { labels: { ...labels, ...inputs.provenance }, ignored };
}
