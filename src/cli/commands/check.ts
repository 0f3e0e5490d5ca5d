/**
 * `tjs2i check <image>`: would the image run on a restricted platform (OpenShift's restricted-v2,
 * Kubernetes' restricted), under an arbitrary UID with group 0? Prints a table of checks on stdout
 * (or the report as JSON with --json); exits 0 when it would run (warnings allowed), 1 when it would
 * not, and with the usual codes when it cannot tell (no engine, no such image, interrupted).
 */
import type { BuilderArguments, Options } from 'yargs';
import { runCommand, withExitCode } from '../run-command.js';
import type { GlobalArgv } from '../global-options.js';
import { PULL_POLICIES } from '../../registry/pull-policy.js';

export const command = 'check <image>';
export const describe = 'Tell whether an image would run under an arbitrary UID with group 0 (OpenShift restricted-v2, Kubernetes restricted)';

const checkOptionSpecs = {
  builder: { type: 'boolean', default: false, describe: 'judge it as an S2I builder even without S2I labels' },
  'pull-policy': { choices: PULL_POLICIES, default: 'if-not-present', describe: 'when to pull the image' },
} as const satisfies Record<string, Options>;

export const builder = (yargs: GlobalArgv) =>
  yargs
    .positional('image', { type: 'string', demandOption: true, describe: 'any image: a Jupyter stack, a tjs2i builder, a course image' })
    .options(checkOptionSpecs);

type CheckArgs = BuilderArguments<typeof builder>;

export async function handler(args: CheckArgs): Promise<void> {
  await runCommand(args, async ({ logger, engine, signal }) => {
    const { checkImage } = await import('../../check/check-image.js');
    const { exitCodeOf, reportJson } = await import('../../check/check-report.js');
    const { renderReport } = await import('../../check/check-table.js');
    const report = await checkImage(engine, args.image, { builder: args.builder, pullPolicy: args.pullPolicy }, logger, signal);
    if (!args.json) process.stdout.write(renderReport(report));
    return withExitCode(reportJson(report), exitCodeOf(report));
  });
}
