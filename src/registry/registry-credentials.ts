/**
 * Credentials for pushing to a registry, from where docker, CI systems and podman keep them.
 *
 * Sources, in this order; the first that has credentials for the registry is used:
 *   1. DOCKER_AUTH_CONFIG   the content of a Docker config file (GitLab CI's variable)
 *   2. REGISTRY_AUTH_FILE   the path of a podman/buildah/skopeo auth.json
 *   3. $DOCKER_CONFIG/config.json, else ~/.docker/config.json (what `docker login` writes)
 * Within one source: a `credHelpers` entry for the registry, then `credsStore`, then the `auths`
 * entry. A helper that has nothing for the registry is passed over; so is one that is missing or
 * fails (as docker does: Docker Desktop's `"credsStore": "desktop"` is often copied into CI), which
 * is reported to the caller to warn about and to mention if the registry then wants credentials.
 * `auths` keys are matched as docker writes them (`127.0.0.1:5000`, `https://index.docker.io/v1/`,
 * `registry.example.org/v2/`: the host, with or without a scheme, a path of v1 or v2) and as podman
 * does (`quay.io/org` applies to the repositories under it; the longest wins); when no key names
 * the repository, one with a path is matched by its host, as docker reads every key.
 *
 * Every source that is there is read and checked first: a malformed one is an error naming it
 * (exit 2) even when another source would do. An unset or empty variable is no source; a missing
 * ~/.docker/config.json is none either, but a REGISTRY_AUTH_FILE that does not exist is an error.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CredentialHelperError, credentialsFromHelper, type HelperCredentials } from './credential-helper.js';
import { hasCredentials, parseDockerConfig, type DockerConfig } from './docker-config.js';
import { UsageError } from '../common/errors.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY, isDockerHub } from './push-target.js';

export interface CredentialSource {
  /** How the source is named in messages: `DOCKER_AUTH_CONFIG`, `/root/.docker/config.json`. */
  name: string;
  config: DockerConfig;
}

export interface RegistryCredentials {
  username?: string;
  password?: string;
  identityToken?: string;
  /** The registry as the engine's auth config names it (Docker Hub: https://index.docker.io/v1/). */
  serverAddress: string;
  /** Where they came from, for messages (never their values). */
  from: string;
}

/** The registry and the repository's path in it (a PushTarget fits). */
export interface RegistryRepository {
  registry: string;
  path: string;
}

export type ReadText = (path: string) => Promise<string | undefined>;
export type HelperGet = (helper: string, server: string, from: string) => Promise<HelperCredentials | undefined>;
/** Told of each helper that was missing or failed and so was passed over. */
export type HelperFailed = (error: CredentialHelperError) => void;

/** The file docker reads: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(env.HOME || homedir(), '.docker', 'config.json');
}

/** Reads and checks every source that is there, in the order of precedence. */
export async function loadCredentialSources(env: NodeJS.ProcessEnv = process.env, readText: ReadText = readIfExists): Promise<CredentialSource[]> {
  const sources: CredentialSource[] = [];
  if (env.DOCKER_AUTH_CONFIG?.trim()) {
    sources.push({ name: 'DOCKER_AUTH_CONFIG', config: parseDockerConfig(env.DOCKER_AUTH_CONFIG, 'DOCKER_AUTH_CONFIG (the content of a Docker config file)') });
  }
  if (env.REGISTRY_AUTH_FILE?.trim()) {
    const path = env.REGISTRY_AUTH_FILE;
    const text = await readText(path);
    if (text === undefined)
      throw new UsageError(`REGISTRY_AUTH_FILE names ${path}, which does not exist`, 'point it at an auth.json (as `podman login` writes it), or unset it');
    sources.push({ name: `${path} (REGISTRY_AUTH_FILE)`, config: parseDockerConfig(text, `auth file ${path} (REGISTRY_AUTH_FILE)`) });
  }
  const path = dockerConfigPath(env);
  const text = await readText(path);
  if (text !== undefined) sources.push({ name: path, config: parseDockerConfig(text, `Docker config file ${path}`) });
  return sources;
}

/** The credentials for pushing to `target`, or undefined when no source has any. */
export async function findCredentials(
  target: RegistryRepository,
  sources: readonly CredentialSource[],
  helperGet: HelperGet,
  helperFailed: HelperFailed = () => undefined,
): Promise<RegistryCredentials | undefined> {
  const serverAddress = target.registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : target.registry;
  for (const source of sources) {
    const { config } = source;
    const helperKey = bestKey(Object.keys(config.credHelpers), target);
    const helpers: [string, string][] = [];
    if (helperKey !== undefined) helpers.push([config.credHelpers[helperKey] ?? '', `credHelpers in ${source.name}`]);
    if (config.credsStore) helpers.push([config.credsStore, `credsStore in ${source.name}`]);
    for (const [helper, from] of helpers) {
      let found: HelperCredentials | undefined;
      try {
        found = await helperGet(helper, serverAddress, from);
      } catch (error) {
        if (!(error instanceof CredentialHelperError)) throw error;
        helperFailed(error);
      }
      if (!found) continue;
      const origin = `docker-credential-${helper} (${from})`;
      return found.username === '<token>'
        ? { identityToken: found.secret, serverAddress, from: origin }
        : { username: found.username, password: found.secret, serverAddress, from: origin };
    }
    const key = bestKey(
      config.auths.map((e) => e.key),
      target,
    );
    const entry = config.auths.find((e) => e.key === key);
    if (entry && hasCredentials(entry)) {
      return {
        ...(entry.username ? { username: entry.username } : {}),
        ...(entry.password ? { password: entry.password } : {}),
        ...(entry.identityToken ? { identityToken: entry.identityToken } : {}),
        serverAddress,
        from: source.name,
      };
    }
  }
  return undefined;
}

/** Resolves with the default helper runner (docker-credential-<name> on PATH). */
export function helperRunner(env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): HelperGet {
  return (helper, server, from) => credentialsFromHelper(helper, server, { env, from, ...(signal ? { signal } : {}) });
}

/** Every form the credentials could leak in, to redact from any text: values and their Basic encoding. */
export function secretsOf(credentials: RegistryCredentials | undefined): string[] {
  if (!credentials) return [];
  const { username, password, identityToken } = credentials;
  const pairs = [password, identityToken, username && password ? `${username}:${password}` : undefined].filter((s): s is string => Boolean(s));
  return [...new Set(pairs.flatMap((s) => [s, Buffer.from(s).toString('base64')]))].sort((a, b) => b.length - a.length);
}

/**
 * The key that names the repository most specifically (a path-scoped key beats the bare host); when
 * none does, the first whose host is the registry's, whatever its path (docker keeps only the host).
 */
function bestKey(keys: readonly string[], target: RegistryRepository): string | undefined {
  let best: string | undefined;
  let bestLength = -1;
  for (const key of keys) {
    const length = matchLength(key, target);
    if (length > bestLength) {
      best = key;
      bestLength = length;
    }
  }
  return best ?? keys.find((key) => registryOfKey(parseKey(key).host) === target.registry.toLowerCase());
}

/**
 * How specifically a key names the repository: -1 no match, 0 the registry, else the length of the
 * path it scopes. A key with a scheme (`https://index.docker.io/v1/`) or a path of `v1` or `v2`
 * (`registry.example.org/v2/`) names a host only, as docker reads it; one without (`quay.io/org`)
 * may name a namespace, as podman reads it.
 */
function matchLength(key: string, target: RegistryRepository): number {
  const { host, path } = parseKey(key);
  if (registryOfKey(host) !== target.registry.toLowerCase()) return -1;
  if (!path) return 0;
  return target.path === path || target.path.startsWith(`${path}/`) ? path.length : -1;
}

/** A key's host (lower case) and the namespace path it scopes ('' for the whole registry). */
function parseKey(key: string): { host: string; path: string } {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(key);
  const rest = key.slice(scheme ? scheme[0].length : 0).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const host = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  const path = scheme || slash < 0 ? '' : rest.slice(slash + 1);
  return { host, path: /^v[12]$/.test(path) ? '' : path };
}

function registryOfKey(host: string): string {
  return isDockerHub(host) ? DOCKER_HUB : host;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path} (${code ?? String(error)})`, 'make it readable, or point DOCKER_CONFIG / REGISTRY_AUTH_FILE elsewhere');
  }
}
