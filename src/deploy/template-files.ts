/**
 * The OpenShift templates carried by the repository, at the original project's paths
 * (`openshift-templates/<stack>.json`, so its `oc create -f` instructions still work), and a
 * persistent variant of each (`<stack>-persistent.json`), and the template that builds the stack's
 * builder in the project (`<stack>-builder.json`). `npm run templates` rewrites them; a unit test
 * fails when they differ from what the generator makes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_VOLUME_SIZE, openshiftTemplate } from './manifests/openshift-template.js';
import { openshiftBuilderTemplate } from './manifests/openshift-builder.js';
import { tjs2iRepositoryUrl } from '../common/package-repository.js';
import { STACKS } from '../builder/stacks.js';
import { serializeManifest } from './template-definition.js';
import { writeFileAtomic } from '../common/write-file-atomic.js';

export const TEMPLATES_DIR = 'openshift-templates';

export interface TemplateFile {
  /** Relative to the repository's top. */
  path: string;
  content: string;
}

export function templateFiles(): TemplateFile[] {
  const repositoryUrl = tjs2iRepositoryUrl();
  return STACKS.flatMap((stack) => [
    { path: `${TEMPLATES_DIR}/${stack.name}.json`, content: serializeManifest(openshiftTemplate(stack)) },
    { path: `${TEMPLATES_DIR}/${stack.name}-persistent.json`, content: serializeManifest(openshiftTemplate(stack, { volumeSize: DEFAULT_VOLUME_SIZE })) },
    { path: `${TEMPLATES_DIR}/${stack.name}-builder.json`, content: serializeManifest(openshiftBuilderTemplate(stack, { repositoryUrl })) },
  ]);
}

/** Writes every template file under `root`; returns the paths written. */
export async function writeTemplateFiles(root: string): Promise<string[]> {
  await mkdir(join(root, TEMPLATES_DIR), { recursive: true });
  const files = templateFiles();
  for (const file of files) await writeFileAtomic(join(root, file.path), file.content);
  return files.map((f) => f.path);
}
