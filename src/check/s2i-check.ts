/**
 * An S2I builder's own needs, for an image that claims to be one (S2I builder labels, a tjs2i
 * builder's labels, the `builder` tag, or `--builder`): the scripts URL label, and, when it points
 * into the image (`image://DIR`), `assemble` and `run` there and runnable by the arbitrary UID. An
 * image an S2I build made (it names its builder in io.openshift.s2i.build.image) inherits its
 * builder's labels but is not a builder. Wanting is a warning: builds from it would fail, the image
 * itself still runs.
 */
import { posix } from 'node:path';
import { Label } from '../s2i/labels.js';
import { line, type CheckLine } from './check-report.js';
import { executableByGroupZero, type ImageFiles } from './image-files.js';

/** The label every tjs2i builder carries (and every image built from one). */
export const TJS2I_BUILDER_LABEL = 'io.tjs2i.builder.stack';
/** The trees a tjs2i builder made writable for group 0 (colon-separated paths). */
export const WRITABLE_TREES_LABEL = 'io.tjs2i.builder.writable-trees';

export interface BuilderClaim {
  claimed: boolean;
  /** Why it is judged a builder, or why not. */
  why: string;
}

export function builderClaim(labels: Readonly<Record<string, string>>, asked: boolean): BuilderClaim {
  if (asked) return { claimed: true, why: '--builder' };
  const builtFrom = labels[Label.buildImage];
  if (builtFrom) return { claimed: false, why: `an image S2I built from ${builtFrom}, not a builder` };
  if (labels[Label.scriptsUrl]) return { claimed: true, why: `label ${Label.scriptsUrl}` };
  if (labels[TJS2I_BUILDER_LABEL]) return { claimed: true, why: `label ${TJS2I_BUILDER_LABEL}` };
  if ((labels[Label.tags] ?? '').split(',').some((t) => t.trim() === 'builder')) return { claimed: true, why: `tag "builder" in ${Label.tags}` };
  return { claimed: false, why: 'not a builder (no S2I builder label)' };
}

/** The trees a tjs2i builder says it made writable, from its label (an image built from it keeps the label). */
export function writableTreesOf(labels: Readonly<Record<string, string>>): string[] {
  return (labels[WRITABLE_TREES_LABEL] ?? '').split(':').filter((p) => p.startsWith('/'));
}

export type ScriptState = 'runnable' | 'not-runnable' | 'missing';

export interface S2iFacts {
  claim: BuilderClaim;
  scriptsUrl?: string;
  /** For a scripts URL into the image: `assemble` and `run` there. */
  scripts: { name: string; path: string; state: ScriptState }[];
}

const REQUIRED_SCRIPTS = ['assemble', 'run'];

export async function s2iFacts(labels: Readonly<Record<string, string>>, asked: boolean, files: ImageFiles): Promise<S2iFacts> {
  const claim = builderClaim(labels, asked);
  const scriptsUrl = labels[Label.scriptsUrl] || undefined;
  if (!claim.claimed || !scriptsUrl?.startsWith('image://')) return { claim, ...(scriptsUrl ? { scriptsUrl } : {}), scripts: [] };
  const dir = scriptsUrl.slice('image://'.length);
  const scripts = await Promise.all(
    REQUIRED_SCRIPTS.map(async (name) => {
      const path = posix.join(dir, name);
      const file = await files.fileAt(path);
      const state: ScriptState = file?.type !== 'file' ? 'missing' : executableByGroupZero(file) ? 'runnable' : 'not-runnable';
      return { name, path, state };
    }),
  );
  return { claim, scriptsUrl, scripts };
}

export function s2iLine(facts: S2iFacts): CheckLine {
  const { claim, scriptsUrl, scripts } = facts;
  if (!claim.claimed) return line('s2i', 'skip', claim.why);
  if (!scriptsUrl) {
    return line(
      's2i',
      'warn',
      `judged a builder (${claim.why}) but no ${Label.scriptsUrl} label`,
      `label it ${Label.scriptsUrl}=image:///usr/libexec/s2i (tjs2i builder does)`,
    );
  }
  if (!scriptsUrl.startsWith('image://')) return line('s2i', 'pass', `scripts at ${scriptsUrl} (outside the image: not looked at)`);
  const wanting = scripts.filter((s) => s.state !== 'runnable');
  if (wanting.length) {
    return line(
      's2i',
      'warn',
      `${scriptsUrl}: ${wanting.map((s) => `${s.path} ${s.state === 'missing' ? 'missing' : 'not runnable by group 0'}`).join(', ')}`,
      'put assemble and run there, group 0 may read and run them (`chmod g+rx`)',
    );
  }
  return line('s2i', 'pass', `${Label.scriptsUrl}=${scriptsUrl}: ${scripts.map((s) => s.name).join(' and ')} runnable`);
}
