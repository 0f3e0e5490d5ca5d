/**
 * What a command costs before any work: `tjs2i version` and a build that finds its image up to date
 * (source and builder unchanged: nothing is built), each against a bare `node -e ''` started the same
 * way, alternately. The goal for the up-to-date build is 0.3 s whatever the machine.
 */
import { run, tjs2i, type CliRun } from './processes.js';

export interface StartUpRun {
  ours: CliRun;
  nodeMs: number;
}

/** One timed run of `args` through bin/tjs2i and one of a bare node; fails when the command does. */
export async function startUpRun(args: readonly string[]): Promise<StartUpRun> {
  const ours = await tjs2i(args);
  if (ours.code !== 0) throw new Error(`tjs2i ${args.join(' ')} exited ${ours.code}: ${ours.stderr.trim().split('\n').pop() ?? ''}`);
  const bare = await run(process.execPath, ['-e', '']);
  return { ours, nodeMs: bare.ms };
}

/** Whether a build's output says it built nothing (the image was up to date). */
export const builtNothing = (stderr: string) => /up to date/i.test(stderr);
