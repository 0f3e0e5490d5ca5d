/**
 * s2i's `-u/--allowed-uids`: the uids a build may run as. With ranges given, s2i refuses an image
 * whose user is a name or empty (it cannot prove that user is not root) and a numeric user outside
 * every range. tjs2i always needs a numeric user, so names are refused even without ranges.
 */
import { parseNumericUser } from './builder-image.js';
import { UsageError, UserNotAllowedError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';

/** An inclusive range of uids; an undefined end is unbounded (min 0, max 2^31-1). */
export interface UidRange {
  min?: number;
  max?: number;
}

export const MAX_UID = 2 ** 31 - 1;

const FORMS_HINT = 'accepted forms: 5, 1000-2000, 1000- (1000 and up), -100 (0 to 100); several separated by commas or given as repeated -u';

function invalid(item: string, why: string): UsageError {
  return new UsageError(`invalid allowed UIDs "${shownInput(item)}": ${why}`, FORMS_HINT);
}

function uidOf(digits: string, item: string): number {
  const uid = Number(digits);
  if (uid > MAX_UID) throw invalid(item, `${shownInput(digits, 20)} is above the largest UID ${MAX_UID}`);
  return uid;
}

/**
 * One item: `5`, `1000-2000`, `1000-` or `-100`, blanks allowed around the dash. Read by splitting
 * at the dashes rather than with one regular expression: `(\d+)?\s*(-)?\s*(\d+)?` backtracks
 * quadratically on a long run of digits or blanks, and a `-u` value may be 128 KiB.
 */
function parseItem(item: string, spec: string): UidRange {
  const text = item.trim();
  if (text === '') throw invalid(spec, spec.trim() ? 'it has an empty item' : 'it is empty');
  const parts = text.split('-').map((part) => part.trim());
  // A dash after another (blanks between) or after `-digits` is a minus sign: `--5`, `1--5`, `-5-10`.
  if (parts.slice(1, -1).includes('') || (parts.length > 2 && parts[0] === '' && /^\d+$/.test(parts[1] ?? ''))) {
    throw invalid(text, 'UIDs cannot be negative');
  }
  const [low = '', high] = parts;
  if (parts.length > 2 || !/^\d*$/.test(low) || !/^\d*$/.test(high ?? '') || (low === '' && !high)) throw invalid(text, 'not a UID or a range of UIDs');
  const min = low !== '' ? uidOf(low, text) : undefined;
  const max = high !== undefined && high !== '' ? uidOf(high, text) : undefined;
  if (high === undefined) return { min, max: min };
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
