/**
 * s2i's `-u/--allowed-uids`: the uids a build may run as. With ranges given, s2i refuses an image
 * whose user is a name or empty (it cannot prove that user is not root) and a numeric user outside
 * every range. tjs2i always needs a numeric user, so names are refused even without ranges.
 */
import { parseNumericUser } from './builder-image.js';
import { UsageError, UserNotAllowedError } from '../common/errors.js';

/** An inclusive range of uids; an undefined end is unbounded (min 0, max 2^31-1). */
export interface UidRange {
  min?: number;
  max?: number;
}

export const MAX_UID = 2 ** 31 - 1;

const FORMS_HINT = 'accepted forms: 5, 1000-2000, 1000- (1000 and up), -100 (0 to 100); several separated by commas or given as repeated -u';

function invalid(item: string, why: string): UsageError {
  return new UsageError(`invalid allowed UIDs "${item}": ${why}`, FORMS_HINT);
}

function uidOf(digits: string, item: string): number {
  const uid = Number(digits);
  if (uid > MAX_UID) throw invalid(item, `${digits} is above the largest UID ${MAX_UID}`);
  return uid;
}

function parseItem(item: string, spec: string): UidRange {
  const text = item.trim();
  if (text === '') throw invalid(spec, spec.trim() ? 'it has an empty item' : 'it is empty');
  if (/-\s*-/.test(text) || /^-\s*\d+\s*-/.test(text)) throw invalid(text, 'UIDs cannot be negative');
  const match = /^(\d+)?\s*(-)?\s*(\d+)?$/.exec(text);
  if (!match || (!match[1] && !match[3]) || (!match[2] && match[3])) throw invalid(text, 'not a UID or a range of UIDs');
  const [, low, dash, high] = match;
  const min = low !== undefined ? uidOf(low, text) : undefined;
  const max = high !== undefined ? uidOf(high, text) : undefined;
  if (!dash) return { min, max: min };
  if (min !== undefined && max !== undefined && min > max) throw invalid(text, `${min} is greater than ${max}`);
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/** Parses `-u` values: each is one range or a comma-separated list of them. */
export function parseUidRanges(specs: string[]): UidRange[] {
  return specs.flatMap((spec) => spec.split(',').map((item) => parseItem(item, spec)));
}

function formatRange({ min, max }: UidRange): string {
  if (min !== undefined && min === max) return String(min);
  return `${min ?? ''}-${max ?? ''}`;
}

/** For messages: `1-, 5, 1000-2000`; `any` when there are no ranges. */
export function formatUidRanges(ranges: UidRange[]): string {
  return ranges.length ? ranges.map(formatRange).join(', ') : 'any';
}

export function uidInRanges(uid: number, ranges: UidRange[]): boolean {
  if (!ranges.length) return true;
  return ranges.some(({ min, max }) => uid >= (min ?? 0) && uid <= (max ?? MAX_UID));
}

/**
 * The uid `user` ("1000" or "1000:0") runs as, when it is allowed: numeric and, with ranges
 * given, inside one of them. `what` says whose user it is, e.g. `assemble user of builder X`.
 */
export function checkAllowedUser(user: string, ranges: UidRange[], what: string): number {
  const parsed = parseNumericUser(user);
  if (!parsed) {
    const shown = user.trim() ? `a name (${user.trim()})` : 'empty (root)';
    const why = ranges.length ? `, which cannot be checked against the allowed UIDs ${formatUidRanges(ranges)}` : '; tjs2i needs a numeric user';
    throw new UserNotAllowedError(`${what} is ${shown}${why}`, 'use an image whose USER is numeric, e.g. 1000 (images made by `tjs2i builder` are)');
  }
  if (!uidInRanges(parsed.uid, ranges)) {
    throw new UserNotAllowedError(
      `${what} ${parsed.uid} is not in the allowed UIDs ${formatUidRanges(ranges)}`,
      'use an image whose USER is in the allowed range, or widen -u/--allowed-uids',
    );
  }
  return parsed.uid;
}
