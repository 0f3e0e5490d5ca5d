/**
 * The run-time options of `tjs2i run` and `tjs2i preview` as the engine wants them: the host port,
 * `--volume` specs (docker's `SRC:DST[:OPTIONS]`), `--env` (a bare NAME takes its value from tjs2i's
 * environment, so a password never has to be on a command line) and `--user`. Nothing here ever
 * repeats a variable's value: it may be a password.
 */
import { JUPYTER_PORT } from '../s2i/jupyter-port.js';
import { isAbsolute, posix, resolve } from 'node:path';
import { mergeEnvironment, parseEnvArgument, type EnvVar } from '../s2i/environment.js';
import { UsageError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';

/** Jupyter's port inside the image. */
/** The engine's name of the container port Jupyter listens on. */
export const JUPYTER_CONTAINER_PORT = `${JUPYTER_PORT}/tcp`;
/** Where the port is published: the engine host's loopback only. */
export const PUBLISH_IP = '127.0.0.1';
/** Label on every container `tjs2i run`, `preview` and `build --run` start. */
export const RUN_LABEL = 'io.tjs2i.run';

export interface RunOptions {
  /** Host port; undefined for any free port. */
  port?: number;
  env: EnvVar[];
  /** `--user UID[:GID]` or a name; undefined keeps the image's USER. */
  user?: string;
  /** Normalised `SRC:DST[:OPTIONS]` specs. */
  volumes: string[];
}

/** `-p/--port`: an integer from 1 to 65535. */
export function parsePort(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--port ${shownInput(text)}: not a port number`, 'give a port from 1 to 65535, or leave --port out for any free port');
  }
  return port;
}

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MODE_OPTIONS = new Set(['ro', 'rw']);
const OTHER_OPTIONS = new Set(['z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'consistent', 'cached', 'delegated']);
const VOLUME_HINT = 'give NAME:/path/in/container or /host/path:/path/in/container, optionally followed by :ro';

/**
 * One `--volume`: `SRC:DST[:OPTIONS]` where SRC is a named volume or a host path (absolute, or
 * starting with ./ or ../, made absolute here against `cwd`), DST an absolute path in the container
 * and OPTIONS a comma list (ro, rw, nocopy, z, Z, propagation). Returns the spec for HostConfig.Binds.
 */
export function parseVolume(spec: string, cwd: string = process.cwd()): string {
  const shown = shownInput(spec);
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new UsageError(`--volume ${shown}: expected SRC:DST[:OPTIONS]`, VOLUME_HINT);
  const [rawSource = '', target = '', options] = parts;
  let source = rawSource;
  const named = VOLUME_NAME.test(source) && source !== '.' && source !== '..';
  if (!named) {
    if (source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../')) source = resolve(cwd, source);
    else if (!isAbsolute(source)) {
      throw new UsageError(
        `--volume ${shown}: ${source === '' ? 'the source is empty' : `${shownInput(source)} is neither a volume name nor a host path`}`,
        VOLUME_HINT,
      );
    }
  }
  if (!posix.isAbsolute(target) || posix.normalize(target) === '/') {
    throw new UsageError(`--volume ${shown}: the target must be an absolute path in the container (not /)`, VOLUME_HINT);
  }
  if (options !== undefined) {
    const list = options.split(',');
    for (const option of list) {
      if (!MODE_OPTIONS.has(option) && !OTHER_OPTIONS.has(option)) {
        throw new UsageError(
          `--volume ${shown}: unknown option "${shownInput(option)}"`,
          'options are ro, rw, nocopy, z, Z and the propagation modes, separated by commas',
        );
      }
    }
    if (list.filter((o) => MODE_OPTIONS.has(o)).length > 1) throw new UsageError(`--volume ${shown}: give ro or rw, not both`, VOLUME_HINT);
    if (list.includes('nocopy') && !named) throw new UsageError(`--volume ${shown}: nocopy is for named volumes only`, VOLUME_HINT);
  }
  return [source, target, ...(options !== undefined ? [options] : [])].join(':');
}

/** Names whose value a command line should not show. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN/i;

/**
 * `--env` arguments: NAME=VALUE, or a bare NAME whose value is taken from `env` (as `docker run -e
 * NAME` does). Later ones win. A secret-looking variable given with its value on the command line
 * gets one warning (`ps` shows it to every user of the machine); the value is never repeated.
 */
export function parseRunEnv(args: string[], env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = () => undefined): EnvVar[] {
  const vars = args.map((arg) => parseEnvArgument(arg, env));
  const exposed = [
    ...new Set(
      args
        .filter((arg) => arg.includes('='))
        .map((arg) => arg.slice(0, arg.indexOf('=')))
        .filter((name) => SECRET_NAME.test(name)),
    ),
  ];
  if (exposed.length > 0) {
    const first = exposed[0] as string;
    warn(
      `${exposed.map((n) => `-e ${n}=...`).join(', ')} puts the value on the command line, where other users of this machine can read it (ps, shell history); ` +
        `export ${first} and give -e ${first} (the name only) instead`,
    );
  }
  return mergeEnvironment(vars);
}

/** Whether the image's run script will ask for a password (it does when PASSWORD or PASSWORD_FILE is non-empty). */
export function passwordProtected(env: EnvVar[]): boolean {
  return env.some(({ name, value }) => (name === 'PASSWORD' || name === 'PASSWORD_FILE') && value !== '');
}

/** `--user`: passed through; only an empty value is refused. */
export function parseUser(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const user = String(value).trim();
  if (user === '') throw new UsageError('--user is empty', 'give UID[:GID], e.g. --user 1000770000:0 as OpenShift would');
  return user;
}

/** The run options of a parsed command line. */
export function runOptionsOf(
  args: { port?: unknown; env?: string[]; user?: unknown; volume?: string[] },
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => undefined,
): RunOptions {
  const port = parsePort(args.port);
  const user = parseUser(args.user);
  return {
    ...(port !== undefined ? { port } : {}),
    env: parseRunEnv(args.env ?? [], env, warn),
    ...(user !== undefined ? { user } : {}),
    volumes: (args.volume ?? []).map((spec) => parseVolume(spec)),
  };
}
