/**
 * What an output image was built from, recorded in its labels so that a build of the same inputs can
 * be skipped: the builder image id, the scripts (where each came from, and a digest of the content
 * of those uploaded), a digest of the build environment (never its values: they are in the image's
 * Env already, and a label must not repeat them), and one fingerprint over every input that affects
 * the output (sha256 of a canonical JSON). Only sources that are a commit are fingerprinted: a
 * directory used as it is (--copy, not a git work tree) may change without any commit saying so.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EnvVar } from '../s2i/environment.js';
import type { ScriptLocation } from '../s2i/scripts.js';

export const FingerprintLabel = {
  fingerprint: 'io.tjs2i.build.fingerprint',
  builderId: 'io.tjs2i.build.builder-id',
  scripts: 'io.tjs2i.build.scripts',
  environment: 'io.tjs2i.build.environment-digest',
  version: 'io.tjs2i.build.tjs2i-version',
} as const;

/** Labels under this prefix describe one build; a builder's own are never inherited. */
export const TJS2I_BUILD_LABEL_PREFIX = 'io.tjs2i.build.';

export interface FingerprintInputs {
  tjs2iVersion: string;
  /** Where the source came from (credentials removed). */
  location: string;
  /** The commit id; '' for a source that is not a commit. */
  commit: string;
  /** The ref asked for or checked out (recorded in the commit.ref label). */
  ref: string;
  contextDir?: string;
  builderId: string;
  /** The builder as named on the command line (recorded in the build.image label). */
  builderName: string;
  /** `name=origin:where` for each script used, from {@link describeScript}. */
  scripts: string[];
  env: EnvVar[];
  destination: string;
  assembleUser: string;
  /** `--exclude` as given (undefined for the default). */
  exclude?: string;
  copy: boolean;
  ignoreSubmodules: boolean;
  incremental: boolean;
  applicationName?: string;
  description?: string;
}

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A digest of the build variables, names and values, whatever their order. */
export function environmentDigest(env: EnvVar[]): string {
  const sorted = [...env].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((v) => [v.name, v.value]);
  return sha256(JSON.stringify(sorted));
}

/** `assemble=image:/usr/libexec/s2i/assemble`, or `run=source:sha256:…` for a script that is uploaded. */
export async function describeScript(script: ScriptLocation): Promise<string> {
  if (!script.hostPath) return `${script.name}=${script.origin}:${script.imagePath}`;
  return `${script.name}=${script.origin}:${sha256(await readFile(script.hostPath))}`;
}

/** JSON with object keys sorted at every level: the same inputs always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function buildFingerprint(inputs: FingerprintInputs): string {
  const { env, scripts, ...rest } = inputs;
  return sha256(canonicalJson({ ...rest, scripts: [...scripts].sort(), environment: environmentDigest(env) }));
}

/**
 * The labels recording what a build was made from; the fingerprint only for a source that is a
 * commit (blank otherwise, so that one carried by the builder never passes on).
 */
export function recordLabels(inputs: FingerprintInputs, fingerprinted: boolean): Record<string, string> {
  return {
    [FingerprintLabel.fingerprint]: fingerprinted ? buildFingerprint(inputs) : '',
    [FingerprintLabel.builderId]: inputs.builderId,
    [FingerprintLabel.scripts]: [...inputs.scripts].sort().join(' '),
    [FingerprintLabel.environment]: environmentDigest(inputs.env),
    [FingerprintLabel.version]: inputs.tjs2iVersion,
  };
}
