/**
 * How an error becomes what the CLI prints and its exit code: one line `error: <message>; <hint>`
 * for every error of a command handler and of yargs' reading of the command line. A message may
 * carry user input (a `-u` value, an image name, a regular expression), so the line is made safe
 * here once, whatever each message holds: no newline splits it, no control character reaches the
 * terminal.
 */
import { ExitCode, Tjs2iError } from '../common/errors.js';
import { escapeControls } from '../common/message-text.js';

/** The exit code of an error: its own for a Tjs2iError; any other error is a bug, reported as a failed build. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof Tjs2iError ? error.exitCode : ExitCode.buildFailed;
}

/** The line printed for an error; an unexpected one says so, and shows its stack under --debug. */
export function formatError(error: unknown, debug: boolean): string {
  if (error instanceof Tjs2iError) {
    const hint = error.hint ? `; ${escapeControls(error.hint)}` : '';
    return `error: ${escapeControls(error.message)}${hint}`;
  }
  const e = error as Error;
  // The stack is several lines on purpose: it is asked for (--debug), and read by a developer.
  if (debug && e?.stack) return `error: ${e.stack}`;
  return `error: ${escapeControls(String(e?.message ?? error))} (an unexpected error: run again with --debug for details)`;
}

/** The line printed when yargs refuses the command line (unknown option, missing argument, a check). */
export function formatCommandLineError(message: string): string {
  return `error: ${escapeControls(message)} (see tjs2i --help)`;
}
