/**
 * The Dockerfile `--as-dockerfile` writes: FROM the builder, the build's labels and environment,
 * the sources (and any external scripts) copied in owned by the assemble user and group 0, assemble
 * run as that user, the builder's USER and the run script as Cmd — what `tjs2i build` commits, for
 * `docker build`, buildah or kaniko where no engine API is at hand. `COPY --chown` instead of s2i's
 * `USER root` + `chown`, so the build never needs root.
 */
import { posix } from 'node:path';
import { UsageError } from '../common/errors.js';
import { invalidImageName, isValidImageReference } from '../registry/image-ref.js';
import type { EnvVar } from '../s2i/environment.js';

export interface DockerfilePlan {
  builder: string;
  /** Runs assemble; numeric ("1000" or "1000:0"). */
  assembleUser: string;
  assembleUid: number;
  /** The output image's USER (the builder's). */
  imageUser: string;
  destination: string;
  assemble: string;
  run: string;
  /** Whether the context has `upload/scripts`. */
  uploadsScripts: boolean;
  env: EnvVar[];
  labels: Record<string, string>;
}

/** A double-quoted Dockerfile word: `\`, `"` and `$` escaped (LABEL and ENV expand variables). */
export function dockerfileString(value: string, what: string): string {
  if (/[\r\n]/.test(value)) {
    throw new UsageError(`${what} has a line break, which a Dockerfile cannot hold`, 'drop --as-dockerfile, or give a value on one line');
  }
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

export function renderDockerfile(plan: DockerfilePlan): string {
  if (!isValidImageReference(plan.builder)) throw invalidImageName('builder image name', plan.builder, 'use name[:tag] or name@digest');
  for (const [what, value] of [
    ['assemble user', plan.assembleUser],
    ['image USER', plan.imageUser],
  ] as const) {
    if (!/^\d+(:\d+)?$/.test(value)) throw new UsageError(`the ${what} ${JSON.stringify(value)} is not numeric`);
  }
  const lines = [`FROM ${plan.builder}`];
  const labels = Object.entries(plan.labels).sort(([a], [b]) => a.localeCompare(b));
  if (labels.length) {
    lines.push(`LABEL ${labels.map(([k, v]) => `${dockerfileString(k, `label ${k}`)}=${dockerfileString(v, `label ${k}`)}`).join(' \\\n      ')}`);
  }
  if (plan.env.length) {
    lines.push(`ENV ${plan.env.map((v) => `${v.name}=${dockerfileString(v.value, `variable ${v.name}`)}`).join(' \\\n    ')}`);
  }
  const owner = `${plan.assembleUid}:0`;
  // The JSON form: no word splitting, whatever the paths hold.
  lines.push(`COPY --chown=${owner} ${JSON.stringify(['upload/src', posix.join(plan.destination, 'src')])}`);
  if (plan.uploadsScripts) lines.push(`COPY --chown=${owner} ${JSON.stringify(['upload/scripts', posix.join(plan.destination, 'scripts')])}`);
  lines.push(`USER ${plan.assembleUser}`);
  lines.push(`RUN ${JSON.stringify([plan.assemble])}`);
  if (plan.imageUser !== plan.assembleUser) lines.push(`USER ${plan.imageUser}`);
  lines.push(`CMD ${JSON.stringify([plan.run])}`);
  return `${lines.join('\n')}\n`;
}
