/**
 * What the engine made, compared with what was asked: an engine may answer a commit with success
 * and still not apply its configuration (Podman before 4.8 ignores the body of POST /commit). Pure:
 * the caller inspects the image and decides what to do with the differences.
 */
import { shownInput } from '../common/message-text.js';
import type { ImageInfo } from './image-client.js';

/** What an image was asked to hold; a field left out is not compared. */
export interface ExpectedImage {
  cmd?: string[];
  /** An empty array means "no entrypoint": the engine may show it as null or []. */
  entrypoint?: string[];
  user?: string;
  /** Every key must have its value; an asked '' also matches a missing label. Extra labels are fine. */
  labels?: Record<string, string>;
}

/** One field the image does not hold as asked: "Cmd is [\"/usr/libexec/s2i/assemble\"], not [\"/usr/libexec/s2i/run\"]". */
export interface ImageDifference {
  field: string;
  text: string;
}

const shown = (value: unknown) => shownInput(value === null || value === undefined ? 'none' : JSON.stringify(value), 120);

/** The fields of `info` that are not as `expected` says, in the order Cmd, Entrypoint, User, labels. */
export function imageDifferences(expected: ExpectedImage, info: ImageInfo): ImageDifference[] {
  const differences: ImageDifference[] = [];
  const differ = (field: string, actual: unknown, asked: unknown) => differences.push({ field, text: `${field} is ${shown(actual)}, not ${shown(asked)}` });
  if (expected.cmd && !sameArray(info.cmd, expected.cmd)) differ('Cmd', info.cmd, expected.cmd);
  if (expected.entrypoint) {
    const none = expected.entrypoint.length === 0 && (info.entrypoint === null || info.entrypoint.length === 0);
    if (!none && !sameArray(info.entrypoint, expected.entrypoint))
      differ('Entrypoint', info.entrypoint, expected.entrypoint.length ? expected.entrypoint : null);
  }
  if (expected.user !== undefined && info.user !== expected.user) differ('User', info.user, expected.user);
  for (const [key, value] of Object.entries(expected.labels ?? {})) {
    const actual = Object.hasOwn(info.labels, key) ? info.labels[key] : undefined;
    if (actual === value || (value === '' && actual === undefined)) continue;
    differ(`label ${shownInput(key, 80)}`, actual, value);
  }
  return differences;
}

/** The differences as one line: at most `max`, then "and N more". */
export function describeDifferences(differences: readonly ImageDifference[], max = 3): string {
  const shownOnes = differences.slice(0, max).map((d) => d.text);
  const more = differences.length - shownOnes.length;
  return `${shownOnes.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

function sameArray(actual: string[] | null, asked: string[]): boolean {
  return actual !== null && actual.length === asked.length && actual.every((item, i) => item === asked[i]);
}
