/**
 * The registry part of a Docker config file (`~/.docker/config.json`, the content of GitLab's
 * `DOCKER_AUTH_CONFIG`) or of a podman/buildah/skopeo `auth.json`: `auths` entries (`auth`, the
 * base64 of `user:password`; or `username`/`password`; or `identitytoken`), `credHelpers` and
 * `credsStore`. Every other key is ignored. A malformed file is a UsageError that names the file
 * and the key at fault, never a value (which may be a secret), not even through JSON.parse's
 * message, which quotes the text it stopped at.
 */
import { UsageError } from '../common/errors.js';
import { redactCredentials } from '../common/redact.js';

export interface AuthEntry {
  /** The key as the file has it: `127.0.0.1:5000`, `https://index.docker.io/v1/`, `quay.io/org`. */
  key: string;
  username?: string;
  password?: string;
  identityToken?: string;
}

export interface DockerConfig {
  auths: AuthEntry[];
  /** Registry key → helper name (`docker-credential-<name>`). */
  credHelpers: Record<string, string>;
  credsStore?: string;
}

/** A helper is run as `docker-credential-<name>` from PATH: a name, not a path. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `where` names the file in messages, e.g. `Docker config file /root/.docker/config.json`. */
export function parseDockerConfig(text: string, where: string): DockerConfig {
  const fail = (what: string) =>
    new UsageError(
      `malformed ${where}: ${what}`,
      'fix it (it is JSON: {"auths": {"registry.example.org": {"auth": "<base64 of user:password>"}}}), or log in again to rewrite it',
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw fail(`not valid JSON${jsonErrorPlace(text, error)}`);
  }
  if (!isObject(data)) throw fail('not a JSON object');
  const config: DockerConfig = { auths: [], credHelpers: {} };

  if (data.auths !== undefined && data.auths !== null) {
    if (!isObject(data.auths)) throw fail('"auths" is not an object');
    for (const [key, value] of Object.entries(data.auths)) {
      if (!isObject(value)) throw fail(`auths["${redactCredentials(key)}"] is not an object`);
      config.auths.push(authEntryOf(key, value, fail));
    }
  }

  if (data.credHelpers !== undefined && data.credHelpers !== null) {
    if (!isObject(data.credHelpers)) throw fail('"credHelpers" is not an object');
    for (const [key, value] of Object.entries(data.credHelpers)) {
      if (typeof value !== 'string' || !HELPER_NAME.test(value)) throw fail(`credHelpers["${redactCredentials(key)}"] is not a helper name`);
      config.credHelpers[key] = value;
    }
  }

  if (data.credsStore !== undefined && data.credsStore !== null && data.credsStore !== '') {
    if (typeof data.credsStore !== 'string' || !HELPER_NAME.test(data.credsStore)) throw fail('"credsStore" is not a helper name');
    config.credsStore = data.credsStore;
  }
  return config;
}

function authEntryOf(key: string, value: Record<string, unknown>, fail: (what: string) => Error): AuthEntry {
  const entry: AuthEntry = { key };
  const name = `auths["${redactCredentials(key)}"]`;
  for (const field of ['auth', 'username', 'password', 'identitytoken'] as const) {
    if (value[field] !== undefined && value[field] !== null && typeof value[field] !== 'string') throw fail(`${name}.${field} is not a string`);
  }
  const auth = ((value.auth as string | undefined) ?? '').replace(/\s+/g, '');
  if (auth) {
    // As docker reads it: the base64 of "user:password", split at the first colon.
    const decoded = BASE64.test(auth) ? Buffer.from(auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw fail(`${name}.auth is not the base64 of user:password`);
    entry.username = decoded.slice(0, colon);
    entry.password = decoded.slice(colon + 1);
  } else {
    if (value.username) entry.username = value.username as string;
    if (value.password) entry.password = value.password as string;
  }
  if (value.identitytoken) entry.identityToken = value.identitytoken as string;
  return entry;
}

/** True when the entry holds something to log in with. */
export function hasCredentials(entry: AuthEntry): boolean {
  return Boolean(entry.identityToken || (entry.username && entry.password));
}

/** " at line L, column C" from JSON.parse's error, without the text it quotes. */
function jsonErrorPlace(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/end of JSON input/i.test(message)) return ' (it ends too early)';
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return '';
  if (Number(position) >= text.trimEnd().length) return ' (it ends too early)';
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
