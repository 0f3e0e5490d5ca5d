/**
 * Where the engine is: `--docker-host` when given, else `DOCKER_HOST`, else the first local socket
 * that exists: Docker's, rootless Podman's, rootful Podman's (local-sockets.ts).
 * unix:// and tcp:// URLs are resolved here into explicit connection options, with TLS (https and
 * client certificates from DOCKER_CERT_PATH, default ~/.docker) when DOCKER_TLS_VERIFY or
 * DOCKER_CERT_PATH is set. Other schemes in DOCKER_HOST (ssh://, npipe://) are left to dockerode.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../common/errors.js';
import { redactCredentials } from '../common/redact.js';
import { DOCKER_SOCKET, findLocalSocket, localSocketCandidates, type LocalSocket } from './local-sockets.js';

export const DEFAULT_SOCKET = DOCKER_SOCKET;

export type DockerHost =
  /** `source`: why this socket, when it was found rather than named (--verbose says it). */
  | { kind: 'unix'; url: string; socketPath: string; source?: string }
  | { kind: 'tcp'; url: string; host: string; port: number; tls?: { certPath: string } }
  /** Left to dockerode: no endpoint named and no socket found (`source` says so), or DOCKER_HOST=ssh:// or npipe://. */
  | { kind: 'dockerode'; url: string; source?: string };

/** The connection options for dockerode (a subset of docker-modem's). */
export interface DockerConnectOptions {
  socketPath?: string;
  protocol?: 'http' | 'https';
  host?: string;
  port?: number;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const FLAG_HINT = 'give unix:///path/to/docker.sock or tcp://HOST:PORT';

/**
 * Resolves the endpoint from the --docker-host option (wins) or DOCKER_HOST, else the first of
 * `sockets` that is a socket now; with none, dockerode's default (Docker's socket, named in errors).
 */
export function resolveDockerHost(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
  sockets: readonly LocalSocket[] = localSocketCandidates(env),
): DockerHost {
  if (flag !== undefined) return parseDockerHost(flag, '--docker-host', env, home);
  const fromEnv = env.DOCKER_HOST;
  if (fromEnv) return parseDockerHost(fromEnv, 'DOCKER_HOST', env, home);
  const search = findLocalSocket(sockets);
  if (!search.found) return { kind: 'dockerode', url: `unix://${DEFAULT_SOCKET}`, source: search.why };
  return { kind: 'unix', url: `unix://${search.found.path}`, socketPath: search.found.path, source: search.why };
}

/** Why the engine is at this endpoint, for --verbose: "from DOCKER_HOST", "the rootless Podman socket: …". */
export function endpointSource(host: DockerHost, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return 'from --docker-host';
  if (env.DOCKER_HOST) return 'from DOCKER_HOST';
  return ('source' in host && host.source) || 'the default socket';
}

export function parseDockerHost(
  value: string,
  origin: '--docker-host' | 'DOCKER_HOST',
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): DockerHost {
  const text = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new UsageError(`invalid ${origin} ${text}: a unix socket needs an absolute path`, FLAG_HINT);
    return { kind: 'unix', url: `unix://${socketPath}`, socketPath };
  }
  if (scheme === undefined || scheme === 'tcp') {
    let url: URL;
    try {
      url = new URL(scheme ? text : `tcp://${text}`);
    } catch {
      throw new UsageError(`invalid ${origin} ${text}`, FLAG_HINT);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!host || (url.pathname && url.pathname !== '/') || url.username || url.search) {
      throw new UsageError(`invalid ${origin} ${text}: expected tcp://HOST:PORT`, FLAG_HINT);
    }
    const tls = tlsOf(env, home);
    const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
    return { kind: 'tcp', url: `tcp://${url.host}${url.port ? '' : `:${port}`}`, host, port, ...(tls ? { tls } : {}) };
  }
  if (origin === 'DOCKER_HOST' && (scheme === 'ssh' || scheme === 'npipe')) return { kind: 'dockerode', url: text };
  throw new UsageError(
    `unsupported ${origin} scheme ${scheme}:// in ${redactCredentials(text)}`,
    `${FLAG_HINT}${origin === '--docker-host' ? ' (for ssh://, set DOCKER_HOST instead)' : ''}`,
  );
}

/** TLS is on when DOCKER_TLS_VERIFY is set (and not "0"/"false") or DOCKER_CERT_PATH is set. */
function tlsOf(env: NodeJS.ProcessEnv, home: string): { certPath: string } | undefined {
  const verify = env.DOCKER_TLS_VERIFY;
  const on = (verify !== undefined && verify !== '' && verify !== '0' && verify.toLowerCase() !== 'false') || !!env.DOCKER_CERT_PATH;
  return on ? { certPath: env.DOCKER_CERT_PATH || join(home, '.docker') } : undefined;
}

/** The endpoint for messages: the URL, and "(TLS)" when it is used. */
export function describeDockerHost(host: DockerHost): string {
  return host.kind === 'tcp' && host.tls ? `${host.url} (TLS)` : redactCredentials(host.url);
}

/** The effective endpoint for messages: --docker-host, else DOCKER_HOST, else the local socket. */
export function describeEndpoint(env: NodeJS.ProcessEnv = process.env, dockerHost?: string, sockets?: readonly LocalSocket[]): string {
  try {
    return describeDockerHost(resolveDockerHost(dockerHost, env, homedir(), sockets ?? localSocketCandidates(env)));
  } catch {
    return dockerHost ?? env.DOCKER_HOST ?? `unix://${DEFAULT_SOCKET}`;
  }
}

/**
 * dockerode options for the endpoint, or undefined to let dockerode read DOCKER_HOST itself.
 * Reads the TLS files now, so a missing one is a clear error before any request.
 */
export function dockerConnectOptions(host: DockerHost, readFile: (path: string) => Buffer = readFileSync): DockerConnectOptions | undefined {
  switch (host.kind) {
    case 'dockerode':
      return undefined;
    case 'unix':
      return { socketPath: host.socketPath };
    case 'tcp': {
      if (!host.tls) return { protocol: 'http', host: host.host, port: host.port };
      const read = (name: string) => {
        const path = join(host.tls!.certPath, name);
        try {
          return readFile(path);
        } catch (error) {
          throw new UsageError(
            `cannot read ${path} for TLS to ${host.url} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
            'set DOCKER_CERT_PATH to a directory holding ca.pem, cert.pem and key.pem, or unset DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for plain tcp',
          );
        }
      };
      return { protocol: 'https', host: host.host, port: host.port, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
    }
  }
}
