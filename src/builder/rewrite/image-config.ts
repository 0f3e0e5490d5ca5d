/**
 * The rewritten builder's image config and manifest: the base image's config with its layers'
 * new diff ids and one extra layer (the S2I scripts), a history entry for that layer, a numeric
 * USER, HOME, the run script as CMD and the builder labels; everything else (ENTRYPOINT, WORKDIR,
 * exposed ports, the base's labels and history) is kept.
 */
import { createHash } from 'node:crypto';
import { unsupportedImage } from './saved-image.js';

export interface BuilderConfigChanges {
  /** The base's layers' diff ids after the rewrite, in layer order (`sha256:<hex>`). */
  diffIds: string[];
  /** The scripts layer's diff id. */
  extraDiffId: string;
  uid: number;
  home: string;
  cmd: string[];
  labels: Record<string, string>;
  /** RFC 3339 time of the new image and its history entry. */
  created: string;
  /** What the history says made the extra layer. */
  createdBy: string;
}

type Json = Record<string, unknown>;

/** `NAME=value` set in an environment list: the first entry of that name replaced, any other removed, or added at the end. */
export function withEnv(env: readonly string[] | null | undefined, name: string, value: string): string[] {
  const entry = `${name}=${value}`;
  const result: string[] = [];
  let set = false;
  for (const e of env ?? []) {
    if (e === name || e.startsWith(`${name}=`)) {
      if (!set) result.push(entry);
      set = true;
    } else {
      result.push(e);
    }
  }
  if (!set) result.push(entry);
  return result;
}

/** The new config (a fresh object; the base's is not changed). */
export function builderConfig(base: Json, changes: BuilderConfigChanges): Json {
  const rootfs = (base.rootfs ?? {}) as Json;
  const diffIds = rootfs.diff_ids;
  if (rootfs.type !== 'layers' || !Array.isArray(diffIds)) throw unsupportedImage('the base image config has no rootfs.diff_ids');
  if (diffIds.length !== changes.diffIds.length) {
    throw unsupportedImage(`the base image config lists ${diffIds.length} layers, its export ${changes.diffIds.length}`);
  }
  const config = { ...((base.config ?? {}) as Json) };
  config.User = String(changes.uid);
  config.Env = withEnv(config.Env as string[] | null | undefined, 'HOME', changes.home);
  config.Cmd = changes.cmd;
  config.Labels = { ...((config.Labels ?? {}) as Record<string, string>), ...changes.labels };
  const history = Array.isArray(base.history) ? [...(base.history as Json[])] : [];
  history.push({ created: changes.created, created_by: changes.createdBy, comment: 'tjs2i builder' });
  return {
    ...base,
    created: changes.created,
    config,
    rootfs: { ...rootfs, diff_ids: [...changes.diffIds, changes.extraDiffId] },
    history,
  };
}

/** The config's bytes as loaded and the image id the engine derives from them. */
export function serializeConfig(config: Json): { bytes: Buffer; id: string } {
  const bytes = Buffer.from(JSON.stringify(config));
  return { bytes, id: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/** manifest.json for `docker load`: one image, untagged (tjs2i tags it once it is loaded). */
export function loadManifest(configName: string, layers: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify([{ Config: configName, RepoTags: null, Layers: layers }]));
}
