import type { ArgumentsCamelCase } from 'yargs';
import type { GlobalOptionTypes } from '../global-options.js';
import { tjs2iVersion } from '../../common/version.js';
import { createLogger } from '../../common/log.js';
import { stderrFormat } from '../../common/stderr-format.js';
import { engineJson, engineLine, reportEngine, type EngineReport } from '../engine-report.js';
import { logLevelOf } from '../run-command.js';

export const command = 'version';
export const describe = 'Print the version of tjs2i (with --json or --verbose, also the engine that answers)';

/** How long `version --json` waits for the engine. */
const ENGINE_TIMEOUT_MS = 5000;

/**
 * `tjs2i X.Y.Z`, engine-free. With --json or --verbose, also the engine at --docker-host,
 * DOCKER_HOST or the local socket, or why none answers: the exit code is 0 either way.
 */
export async function handler(args: ArgumentsCamelCase<GlobalOptionTypes>): Promise<void> {
  const version = tjs2iVersion();
  const verbose = logLevelOf(args) === 'debug';
  if (!args.json && !verbose) {
    process.stdout.write(`tjs2i ${version}\n`);
    return;
  }
  const report = await engineReport(args.dockerHost);
  if (verbose) {
    const logger = createLogger({ level: 'debug', ...stderrFormat(args.timestamps) });
    logger.debug(engineLine(report));
    logger.flush();
  }
  process.stdout.write(args.json ? `${JSON.stringify({ ok: true, version, node: process.versions.node, ...engineJson(report) })}\n` : `tjs2i ${version}\n`);
}

async function engineReport(dockerHost: string | undefined): Promise<EngineReport> {
  const { createEngine } = await import('../../engine/engine.js');
  const { describeEndpoint } = await import('../../engine/docker-host.js');
  try {
    return await reportEngine(createEngine(dockerHost !== undefined ? { dockerHost } : {}), ENGINE_TIMEOUT_MS);
  } catch (error) {
    // A malformed --docker-host or DOCKER_HOST, unreadable TLS files: said, not fatal.
    return { endpoint: describeEndpoint(process.env, dockerHost), error: String((error as Error | undefined)?.message ?? error) };
  }
}
