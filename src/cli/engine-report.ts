/**
 * Which engine a command talks to, as `version --json` and `--verbose` say it: asked once, with a
 * short timeout, and never a failure of the command (an engine that does not answer is reported).
 */
import type { Engine } from '../engine/engine.js';
import { describeIdentity, type EngineIdentity } from '../engine/engine-identity.js';
import type { Logger } from '../common/log.js';

/** What the engine said about itself, or why it said nothing. */
export type EngineReport = ({ identity: EngineIdentity } | { error: string }) & {
  endpoint: string;
  /** Why that endpoint: "from DOCKER_HOST", "the rootless Podman socket: …". */
  source?: string;
};

type Asked = Pick<Engine, 'endpoint' | 'identify'> & { endpointSource?: string };

/** Asks the engine which it is, for at most `timeoutMs`; an interruption (`signal`) still throws. */
export async function reportEngine(engine: Asked, timeoutMs: number, signal?: AbortSignal): Promise<EngineReport> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const where = { endpoint: engine.endpoint, ...(engine.endpointSource ? { source: engine.endpointSource } : {}) };
  try {
    return { ...where, identity: await engine.identify(signal ? AbortSignal.any([signal, timeout]) : timeout) };
  } catch (error) {
    if (signal?.aborted) throw error;
    const reason = timeout.aborted ? `no answer at ${engine.endpoint} within ${timeoutMs / 1000} s` : String((error as Error | undefined)?.message ?? error);
    return { ...where, error: reason };
  }
}

/** The --verbose line: "engine: Podman 4.3.1 (API 1.41, …) at unix:///…", or why none was identified. */
export function engineLine(report: EngineReport): string {
  if ('identity' in report) return `engine: ${describeIdentity(report.identity, report.endpoint)}${report.source ? ` (${report.source})` : ''}`;
  return `engine: none identified (${report.error})${report.source ? `; the endpoint is ${report.source}` : ''}`;
}

/** The `engine` of `version --json` (null when none answers, with `engineError` saying why). */
export function engineJson(report: EngineReport): { engine: (EngineIdentity & { endpoint: string }) | null; engineError?: string } {
  return 'identity' in report ? { engine: { ...report.identity, endpoint: report.endpoint } } : { engine: null, engineError: report.error };
}

/** At debug level, one line saying which engine the command talks to. */
export async function logEngine(engine: Asked, logger: Logger, signal?: AbortSignal): Promise<void> {
  if (logger.level !== 'debug') return;
  logger.debug(engineLine(await reportEngine(engine, ENGINE_LINE_TIMEOUT_MS, signal)));
}

/** How long `--verbose` waits for the engine to say which it is before the command goes on. */
export const ENGINE_LINE_TIMEOUT_MS = 3000;
