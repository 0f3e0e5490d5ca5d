/**
 * How the engine's failures reach the rest of tjs2i, mapped here once for every client: an engine
 * that cannot be reached, a missing image, an interruption, a step the engine refused. A pull or a
 * push the engine or its registry refused is an ImageTransferError carrying the engine's words, for
 * the registry modules to explain (the engine knows nothing of registries' credentials or hints).
 */
import { BuildFailedError, EngineUnreachableError, ImageNotFoundError, InterruptedError, Tjs2iError } from '../common/errors.js';
import { redactCredentials } from '../common/redact.js';

interface EngineErrorLike {
  code?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
  name?: string;
}

/** Errors of connecting to the engine (not of a connection that broke halfway). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** TLS failures: a certificate that does not verify, a handshake refused, plain http to https. */
const TLS_FAILURE = /^(ERR_TLS_|ERR_SSL_|EPROTO$|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_)/;

/** The engine's answers that some requests take as a result rather than a failure. */
export const HttpStatus = { notModified: 304, notFound: 404, conflict: 409 } as const;

/** The HTTP status the engine answered a failed request with; undefined when it did not answer. */
export function statusOf(error: unknown): number | undefined {
  return (error as EngineErrorLike | undefined)?.statusCode;
}

/**
 * The engine's own words about a failure: its JSON message; for streaming calls (where docker-modem
 * leaves json null) the text after "(HTTP code N) reason - " in the error message; else the reason.
 */
export function engineDetail(error: unknown): string {
  const e = (error ?? {}) as EngineErrorLike;
  if (e.json?.message) return withoutCopierRequest(e.json.message.trim());
  const body = /^\(HTTP code \d+\) [^-]*- ([\s\S]*\S)\s*$/.exec(e.message ?? '')?.[1];
  return withoutCopierRequest((body ?? e.reason ?? e.message ?? String(error)).trim());
}

/**
 * Podman's archive errors print the whole copier request (two kilobytes of Go struct) before what
 * went wrong: `error during bulk transfer for copier.request{...}: copier: put: error creating ...`.
 */
function withoutCopierRequest(message: string): string {
  return message.replace(/ for copier\.request\{.*\}: (?=copier: )/s, ': ');
}

/**
 * Podman raises the containers' RLIMIT_NOFILE and RLIMIT_NPROC by default; where the machine refuses
 * (a sandbox, a container), every start fails with "error setting rlimit type 7".
 */
const RLIMIT_REFUSED = /error setting rlimit|setrlimit `?RLIMIT_/i;
const RLIMIT_HINT =
  "the engine could not raise the container's rlimits, which Podman does by default: set `default_ulimits = []` under [containers] in containers.conf " +
  '(or in a file named by CONTAINERS_CONF for `podman system service`) and restart the service';

/** Maps a dockerode/docker-modem failure of `action` to a typed error; `image` makes a 404 an ImageNotFoundError. */
export function mapEngineError(error: unknown, action: string, endpoint: string, image?: string): Error {
  if (error instanceof Tjs2iError) return error;
  const e = (error ?? {}) as EngineErrorLike;
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return new InterruptedError();
  if (e.code && UNREACHABLE.has(e.code) && e.statusCode === undefined) {
    return unreachable(endpoint, e.code);
  }
  if (e.code && TLS_FAILURE.test(e.code) && e.statusCode === undefined) {
    return new EngineUnreachableError(
      `cannot reach the Docker engine at ${endpoint}: TLS failed (${e.code}: ${(e.message ?? '').trim()})`,
      "check that DOCKER_CERT_PATH holds the ca.pem that signed the engine's certificate and a client cert.pem/key.pem it accepts",
    );
  }
  const detail = engineDetail(error);
  if (e.statusCode === 404 && image) {
    return new ImageNotFoundError(image, `build or pull it first, or check the name (engine: ${detail})`);
  }
  return new BuildFailedError(`${action} failed: ${detail}`, RLIMIT_REFUSED.test(detail) ? RLIMIT_HINT : undefined);
}

const START_ENGINE = 'start the engine (e.g. `dockerd &`), or point --docker-host or DOCKER_HOST at a running one';
const SOCKET_SEARCH =
  'without --docker-host and DOCKER_HOST, tjs2i looks for /var/run/docker.sock, $XDG_RUNTIME_DIR/podman/podman.sock, then /run/podman/podman.sock';

/** No engine at the endpoint: on a local socket, the hint names Docker's and Podman's sockets. */
function unreachable(endpoint: string, code: string): EngineUnreachableError {
  if (endpoint.endsWith('/podman/podman.sock')) {
    return new EngineUnreachableError(
      `cannot reach Podman at ${endpoint} (${code})`,
      "start Podman's API socket: systemctl --user start podman.socket (rootless: $XDG_RUNTIME_DIR/podman/podman.sock) or sudo systemctl start podman.socket (/run/podman/podman.sock); or point --docker-host or DOCKER_HOST at a running engine",
    );
  }
  const hint = endpoint.startsWith('unix://') ? `${START_ENGINE}; for rootless Podman: systemctl --user start podman.socket (${SOCKET_SEARCH})` : START_ENGINE;
  return new EngineUnreachableError(`cannot reach the Docker engine at ${endpoint} (${code})`, hint);
}

/** Runs one engine request of `action` (named in messages); its failure is mapped by mapEngineError. */
export type MappedCall = <T>(action: string, request: () => Promise<T>, image?: string) => Promise<T>;

/** The MappedCall of the engine at `endpoint`. */
export function mappedCall(endpoint: string): MappedCall {
  return async (action, request, image) => {
    try {
      return await request();
    } catch (error) {
      throw mapEngineError(error, action, endpoint, image);
    }
  };
}

/**
 * What `request` resolves to, or undefined when the engine answers with one of `statuses`: by
 * default 404, nothing there; where there is nothing left to do, also 304 (already so) or 409
 * (already being removed). Any other failure propagates unchanged.
 */
export async function orAbsent<T>(request: () => Promise<T>, statuses: readonly number[] = [HttpStatus.notFound]): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && statuses.includes(status)) return undefined;
    throw error;
  }
}

/**
 * A pull or push that the engine, or the registry behind it, refused or failed (its HTTP answer, or
 * an error line in the progress stream). Unexplained it reads as any refused step; the registry
 * modules turn `detail` into what the user can do about it.
 */
export class ImageTransferError extends BuildFailedError {
  constructor(
    readonly transfer: 'pull' | 'push',
    /** The image pulled, or the `repository:tag` pushed. */
    readonly reference: string,
    /** The engine's words (engineDetail). */
    readonly detail: string,
  ) {
    // The message may reach a log before the registry modules explain it: no credentials in it.
    super(redactCredentials(`${transfer} ${reference} failed: ${detail}`));
  }
}

/**
 * A failed pull or push: an unreachable engine and an interruption stay as they are, anything the
 * engine or the registry said is an ImageTransferError.
 */
export function transferFailure(error: unknown, transfer: 'pull' | 'push', reference: string, endpoint: string): Error {
  const mapped = mapEngineError(error, `${transfer} ${reference}`, endpoint);
  if (!(mapped instanceof BuildFailedError) || mapped instanceof ImageTransferError) return mapped;
  return new ImageTransferError(transfer, reference, engineDetail(error));
}
