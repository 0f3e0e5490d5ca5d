/**
 * Who runs assemble: `--assemble-user`, else the builder's `io.openshift.s2i.assemble-user` label,
 * else its USER. With `--allowed-uids` (s2i's -u) the image USER and the assemble user must both be
 * numeric and inside the ranges; in every case tjs2i needs a numeric, non-root assemble user (the
 * files it uploads are owned by that uid).
 */
import { checkAllowedUser, formatUidRanges, type UidRange } from './allowed-uids.js';
import type { BuilderImage } from './builder-image.js';
import { UserNotAllowedError } from '../common/errors.js';

export interface BuildUser {
  /** As the engine takes it: "1001" or "1001:0". */
  user: string;
  uid: number;
}

export function assembleUserOf(builder: BuilderImage, flag: string | undefined, ranges: UidRange[]): BuildUser {
  const user = (flag ?? builder.assembleUser ?? builder.user).trim();
  const origin = flag !== undefined ? '--assemble-user' : builder.assembleUser ? `assemble user of ${builder.name} (label)` : `USER of ${builder.name}`;
  if (ranges.length > 0) checkAllowedUser(builder.user, ranges, `image USER of ${builder.name}`);
  const uid = checkAllowedUser(user, ranges, origin);
  if (uid === 0) {
    const hint = ranges.length > 0 ? `allowed UIDs: ${formatUidRanges(ranges)}` : 'give a numeric non-root --assemble-user';
    throw new UserNotAllowedError(`${origin} is root (${user}); tjs2i never runs assemble as root`, hint);
  }
  return { user, uid };
}
