/**
 * `build --push`: the credentials are found before the build (a malformed config file costs no
 * build; a credential helper that is missing or fails is a warning, and the push goes on without
 * it, as docker's does), the image is pushed after it through the engine, with the credentials in the
 * X-Registry-Auth header only. The log says where the image goes (Docker Hub when the name has no
 * registry host) and where the credentials came from, never what they are.
 */
import type { Engine } from '../engine/engine.js';
import type { RegistryAuth } from '../engine/image-client.js';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { pushToRegistry } from './push-error.js';
import { createPushProgress } from './push-progress.js';
import { describeRegistry, pushTargetOf, type PushTarget } from './push-target.js';
import { findCredentials, helperRunner, loadCredentialSources, secretsOf, type HelperGet, type RegistryCredentials } from './registry-credentials.js';

export interface PushPlan {
  target: PushTarget;
  credentials?: RegistryCredentials;
  /** Credential helpers that were missing or failed, passed over (`docker-credential-x (credsStore in f) is not installed …`). */
  helperFailures?: string[];
}

export interface PushResult {
  /** The name pushed, with its tag, as the output was named. */
  reference: string;
  /** The registry host (docker.io for Docker Hub). */
  registry: string;
  /** The manifest digest the registry gave, when the engine told it. */
  digest?: string;
}

export interface PreparePushOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The credential helper runner (tests). */
  helperGet?: HelperGet;
  /** Told, one line each, of every credential helper that was missing or failed and was passed over. */
  warn?: (message: string) => void;
}

/** Where `output` goes and with which credentials; throws UsageError for a malformed source. */
export async function preparePush(output: string, options: PreparePushOptions = {}): Promise<PushPlan> {
  const env = options.env ?? process.env;
  const target = pushTargetOf(output);
  const sources = await loadCredentialSources(env);
  const helperFailures: string[] = [];
  const credentials = await findCredentials(target, sources, options.helperGet ?? helperRunner(env, options.signal), (error) => {
    helperFailures.push(error.message);
    options.warn?.(`${error.message}: passed over (${error.hint ?? 'fix it, or remove it from that file'})`);
  });
  if (credentials && modemDebugEnabled(env.DEBUG)) {
    throw new UsageError(
      `DEBUG=${env.DEBUG} makes docker-modem print every request to the engine, the push's credentials (X-Registry-Auth) included`,
      'unset DEBUG, or add -modem to it, to push',
    );
  }
  return { target, ...(credentials ? { credentials } : {}), ...(helperFailures.length > 0 ? { helperFailures } : {}) };
}

export interface PushOptions {
  /** Progress on a terminal (one live line) or not (a line every few seconds); default: the logger's. */
  tty?: boolean;
}

export async function pushImage(
  engine: Pick<Engine, 'images'>,
  plan: PushPlan,
  logger: Logger,
  signal?: AbortSignal,
  options: PushOptions = {},
): Promise<PushResult> {
  const { target, credentials } = plan;
  const where = target.implicitRegistry ? `Docker Hub as ${target.canonical} (the name has no registry host)` : describeRegistry(target.registry);
  const how = credentials ? `credentials from ${credentials.from}` : `no credentials found for ${target.registry}`;
  return logger.step('push', `${target.reference} to ${where}, ${how}`, async () => {
    const progress = createPushProgress(target.reference, { write: (text) => logger.output(text), tty: options.tty ?? logger.terminal });
    let pushed: string | undefined;
    try {
      pushed = await pushToRegistry(engine.images, target, authOf(credentials), (event) => progress.onEvent(event), signal, {
        credentialsFrom: credentials?.from ?? null,
        secrets: secretsOf(credentials),
        implicitRegistry: target.implicitRegistry,
        ...(plan.helperFailures ? { helperFailures: plan.helperFailures } : {}),
      });
    } catch (error) {
      progress.finish();
      throw error;
    }
    const digest = progress.finish() ?? pushed;
    logger.info(`pushed ${target.reference}${digest ? ` (${digest})` : ''}`);
    return { reference: target.reference, registry: target.registry, ...(digest ? { digest } : {}) };
  });
}

function authOf(credentials: RegistryCredentials | undefined): RegistryAuth | undefined {
  if (!credentials) return undefined;
  return {
    ...(credentials.username !== undefined ? { username: credentials.username } : {}),
    ...(credentials.password !== undefined ? { password: credentials.password } : {}),
    ...(credentials.identityToken !== undefined ? { identitytoken: credentials.identityToken } : {}),
    serveraddress: credentials.serverAddress,
  };
}

/**
 * Whether the `debug` package (under docker-modem) prints the `modem` namespace for this DEBUG:
 * comma- or space-separated patterns with `*`, a leading `-` excluding (exclusions win).
 */
export function modemDebugEnabled(debug: string | undefined): boolean {
  let enabled = false;
  for (const pattern of (debug ?? '').split(/[\s,]+/).filter(Boolean)) {
    const skip = pattern.startsWith('-');
    const glob = skip ? pattern.slice(1) : pattern;
    const matches = new RegExp(
      `^${glob
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*?')}$`,
    ).test('modem');
    if (matches && skip) return false;
    if (matches) enabled = true;
  }
  return enabled;
}
