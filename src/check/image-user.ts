/**
 * The USER check: the platform must be able to tell, from the image alone, that it does not run as
 * root. Kubernetes' `runAsNonRoot` refuses a name (it cannot look it up) and root; OpenShift's
 * restricted-v2 replaces the UID anyway, but an image built for root or for a named user rarely
 * works under another one. A name is looked up in the image's /etc/passwd to say which UID it is.
 */
import { lookupUser, parsePasswd, type PasswdEntry } from '../builder/passwd.js';
import { line, type CheckLine } from './check-report.js';

export interface UserFacts {
  /** The image's USER as declared (empty: root). */
  declared: string;
  /** A name's entry in the image's /etc/passwd; undefined when it has none (or the file is not there). */
  entry?: PasswdEntry;
}

/** The UID part of a USER that starts with a number (`1000`, `1000:100`, `1000:users`). */
export function numericUid(user: string): number | undefined {
  const match = /^(\d+)(?::.*)?$/.exec(user.trim());
  return match ? Number(match[1]) : undefined;
}

/** What is known of the image's USER: for a name, its entry in `passwd` (the image's /etc/passwd, if read). */
export function userFacts(declared: string, passwd: string | undefined): UserFacts {
  const user = declared.trim();
  if (user === '' || numericUid(user) !== undefined) return { declared: user };
  const entry = passwd === undefined ? undefined : lookupUser(parsePasswd(passwd), user);
  return { declared: user, ...(entry ? { entry } : {}) };
}

/** What to tell a user whose USER is wanting; `stack`: the image looks like a Jupyter stack `tjs2i builder` can take. */
const declareAdvice = (uid: number | undefined, stack: boolean) =>
  `declare a numeric non-root USER (\`USER ${uid !== undefined && uid !== 0 ? uid : 1000}\`)${stack ? ', or run `tjs2i builder` on it' : ''}`;

export function userLine(facts: UserFacts, stack: boolean): CheckLine {
  const { declared, entry } = facts;
  if (declared === '') return line('user', 'fail', 'no USER: it runs as root', declareAdvice(undefined, stack));
  const uid = numericUid(declared);
  if (uid === 0) return line('user', 'fail', `USER ${declared} is root`, declareAdvice(undefined, stack));
  if (uid !== undefined) return line('user', 'pass', `USER ${declared}: numeric, not root`);
  if (entry?.uid === 0) return line('user', 'fail', `USER ${declared} is a name, and root (uid 0 in /etc/passwd)`, declareAdvice(undefined, stack));
  if (entry) {
    return line(
      'user',
      'fail',
      `USER ${declared} is a name (uid ${entry.uid} in /etc/passwd): the platform cannot tell it is not root`,
      declareAdvice(entry.uid, stack),
    );
  }
  return line('user', 'fail', `USER ${declared} is a name that /etc/passwd does not have: the container would not even start`, declareAdvice(undefined, stack));
}
