/**
 * Variables that weaken the login of every container of an image. A course's `.s2i/environment` is
 * committed into the image (as s2i does), so a `JUPYTER_NO_AUTH=1` or `PASSWORD=...` written there
 * for a quick test would ship to every student: the build says so, naming the variable.
 */
import type { EnvVar } from './environment.js';

/** `--SomeClass.token=` or `--SomeClass.password=` with an empty value, or a value given as the next word. */
const CLEARED_LOGIN = /(^|\s)--[\w.]*\.(token|password|hashed_password)(=(''|"")?(?=\s|$)|\s+(''|"")(?=\s|$))/;

/** What each variable of `env` that weakens the login does, as one phrase per variable. */
export function weakeningVariables(env: readonly EnvVar[]): { name: string; effect: string }[] {
  const found: { name: string; effect: string }[] = [];
  for (const { name, value } of env) {
    if (name === 'JUPYTER_NO_AUTH' && value === '1') found.push({ name, effect: 'turns authentication off' });
    else if (name === 'PASSWORD' || name === 'PASSWORD_FILE') found.push({ name, effect: 'puts the same password (or its file) into every container' });
    else if (name === 'NOTEBOOK_ARGS' && CLEARED_LOGIN.test(value)) found.push({ name, effect: "clears Jupyter's token or password" });
  }
  return found;
}
