/**
 * How tjs2i writes on stderr. On a terminal, as it comes (progress redraws its line). Anywhere else
 * (a CI log, a pipe, a file), plain lines: no control characters, and each line starts with an
 * ISO-8601 UTC time. `--timestamps` / `--no-timestamps` decide the times; TJS2I_TIMESTAMPS=1|0 sets
 * the default, which is "when stderr is not a terminal". Times on a terminal make plain lines too.
 */
import type { LoggerOptions } from './log.js';

export const TIMESTAMPS_VARIABLE = 'TJS2I_TIMESTAMPS';

/** TJS2I_TIMESTAMPS: 1/true/yes/on or 0/false/no/off; anything else (or unset) leaves the default. */
export function timestampsFromEnv(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  return undefined;
}

/**
 * The last --timestamps / --no-timestamps / --timestamps=BOOL of a raw command line, for the one
 * message written before yargs has parsed it (a usage error).
 */
export function timestampsFromArgv(argv: readonly string[]): boolean | undefined {
  let found: boolean | undefined;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--timestamps' || arg === '--timestamps=true') found = true;
    else if (arg === '--no-timestamps' || arg === '--timestamps=false') found = false;
  }
  return found;
}

/** The logger options for stderr: raw on a terminal, plain (maybe timestamped) lines elsewhere. */
export function stderrFormat(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  isTTY: boolean = process.stderr.isTTY === true,
): Pick<LoggerOptions, 'plain' | 'terminal'> {
  const timestamps = flag ?? timestampsFromEnv(env[TIMESTAMPS_VARIABLE]) ?? !isTTY;
  if (isTTY && !timestamps) return { terminal: true };
  return { plain: { timestamps } };
}
