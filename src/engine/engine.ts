/**
 * The Docker Engine API behind one small interface. This is the only module that uses dockerode
 * (loaded by dockerode-loader.ts); it maps the engine's failures to typed errors (unreachable
 * engine, missing image, interrupted).
 */
import type Docker from 'dockerode';
import { addAbortSignal, PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { BuildFailedError, EngineUnreachableError, ImageNotFoundError, InterruptedError, Tjs2iError, UsageError } from '../common/errors.js';
import { Dockerode } from './dockerode-loader.js';
import { describeDockerHost, dockerConnectOptions, resolveDockerHost, type DockerHost } from './docker-host.js';
import { followProgress, type ProgressEvent } from './progress-stream.js';
import { pullFailure, registryOf } from '../registry/pull-error.js';
import { pushFailure } from '../registry/push-error.js';
import { parsePathStat, type PathStat } from './path-stat.js';
import { shortId } from './short-id.js';

export type { PathStat, ProgressEvent };

export interface ImageInfo {
  id: string;
  repoTags: string[];
  user: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  labels: Record<string, string>;
  workingDir: string;
  size: number;
  /** os/architecture[/variant] of the image. */
  platform: string;
}

/**
 * The registry credentials of a push, as the engine's X-Registry-Auth header carries them. Sent
 * only in that header: never in a query, a log line or an error.
 */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress?: string;
}

export interface ContainerSpec {
  image: string;
  name: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  env?: string[];
}

/** One entry of a path inside a container, as the engine's archive of it describes it. */
export interface PathEntry {
  /** Relative to the parent of the path asked for (the path itself is its base name). */
  name: string;
  type: string;
  /** Permission bits with set-uid, set-gid and sticky. */
  mode: number;
  uid: number;
  gid: number;
}

export interface CommitSpec {
  cmd: string[];
  user: string;
  /** Empty array for "no entrypoint" (null would inherit the build container's). */
  entrypoint: string[];
  labels: Record<string, string>;
}

export interface BuildImageSpec {
  tag: string;
  labels?: Record<string, string>;
  onEvent?: (event: ProgressEvent) => void;
}

/** A long-running container with one port published on the engine host's loopback (`tjs2i run`). */
export interface ServerSpec {
  image: string;
  name: string;
  labels: Record<string, string>;
  /** The container's port, e.g. `8888/tcp`. */
  containerPort: string;
  /** The host address to publish on, e.g. 127.0.0.1. */
  hostIp: string;
  /** The host port; undefined for any free port (read it back with inspectContainer). */
  hostPort?: number;
  env?: string[];
  /** `--user`; undefined keeps the image's USER. */
  user?: string;
  /** Docker's `SRC:DST[:OPTIONS]` bind and volume specs (HostConfig.Binds). */
  binds?: string[];
}

/** What `POST /images/load` reported: the images it loaded (by id when untagged) and the tags it set. */
export interface LoadResult {
  imageIds: string[];
  tags: string[];
}

export interface ContainerState {
  id: string;
  name: string;
  running: boolean;
  /** created, running, exited, dead, ... */
  status: string;
  exitCode: number;
  /** Published ports: container port (`8888/tcp`) → host addresses. */
  ports: Record<string, { hostIp: string; hostPort: number }[]>;
}

export interface Engine {
  /** A description of where the engine is, for messages. */
  readonly endpoint: string;
  inspectImage(name: string, signal?: AbortSignal): Promise<ImageInfo | undefined>;
  buildImage(context: Readable, spec: BuildImageSpec, signal?: AbortSignal): Promise<string>;
  /** Pulls an image; failures reported inside the progress stream become ImageNotFoundError. */
  pullImage(name: string, onEvent: (event: ProgressEvent) => void, signal?: AbortSignal): Promise<void>;
  /**
   * Pushes `repository:tag` to its registry with these credentials (none: an empty auth config);
   * resolves with the digest the registry gave, when the engine told it. Failures reported in the
   * progress stream or as the HTTP answer become RegistryPushError (exit 6).
   */
  pushImage(
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onEvent: (event: ProgressEvent) => void,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
  createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<string>;
  putArchive(containerId: string, archive: Readable, path: string, signal?: AbortSignal): Promise<void>;
  /** One regular file from a container's file system, or undefined if it is not there. */
  readFile(containerId: string, path: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /**
   * The engine's archive of one path in a container as it sends it (a tar, up to `maxBytes`: more is
   * an error), or undefined if nothing is there.
   */
  readArchive(containerId: string, path: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined>;
  /**
   * The first `limit` entries of the archive of `path` in a container (the path itself first, then
   * what is below it), without reading the rest; undefined when the path does not exist.
   */
  listPath(containerId: string, path: string, limit: number, signal?: AbortSignal): Promise<PathEntry[] | undefined>;
  /** Attach, start, stream output, wait: the container's exit code. */
  run(containerId: string, onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<number>;
  /** Commits to an untagged image (the caller tags it, so an interrupted commit moves no tag). */
  commit(containerId: string, spec: CommitSpec, signal?: AbortSignal): Promise<string>;
  tagImage(imageId: string, repository: string, tag: string): Promise<void>;
  /** Best effort; an image that is already gone is not an error. */
  removeImage(imageId: string): Promise<void>;
  /** Best effort, forced; a container that is already gone is not an error. */
  removeContainer(containerId: string): Promise<void>;
  /** Creates a container that runs the image's own entrypoint and command with a published port. */
  createServer(spec: ServerSpec, signal?: AbortSignal): Promise<string>;
  /**
   * Attaches to a container's output (call before startContainer, so no line is lost). Resolves
   * once attached; `ended` resolves when the output ends (the container stopped).
   */
  attachOutput(containerId: string, onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<{ ended: Promise<void> }>;
  startContainer(containerId: string, signal?: AbortSignal): Promise<void>;
  /** The container's state, or undefined when it does not exist. */
  inspectContainer(containerId: string, signal?: AbortSignal): Promise<ContainerState | undefined>;
  /** Waits until the container is not running: its exit code. */
  waitContainer(containerId: string, signal?: AbortSignal): Promise<number>;
  /** Best effort: SIGTERM, then SIGKILL after `timeoutSeconds`; stopped or gone is not an error. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** The image as `docker save` writes it (GET /images/{name}/get), streamed as the engine sends it. */
  exportImage(name: string, signal?: AbortSignal): Promise<Readable>;
  /**
   * Streams an image archive into POST /images/load and reads its JSON progress to the end; an
   * error line or an HTTP error rejects (BuildFailedError).
   */
  loadImage(archive: Readable, signal?: AbortSignal): Promise<LoadResult>;
  /**
   * A path's stat in a (created) container, from the archive API's X-Docker-Container-Path-Stat
   * header: the last component is not followed, a symbolic link's target is given fully resolved;
   * undefined when the path does not exist.
   */
  statPath(containerId: string, path: string, signal?: AbortSignal): Promise<PathStat | undefined>;
}

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

/** The effective endpoint for messages: --docker-host, else DOCKER_HOST, else the local socket. */
export function describeEndpoint(env: NodeJS.ProcessEnv = process.env, dockerHost?: string): string {
  try {
    return describeDockerHost(resolveDockerHost(dockerHost, env));
  } catch {
    return dockerHost ?? env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  }
}

/**
 * The engine's own words about a failure: its JSON message; for streaming calls (where docker-modem
 * leaves json null) the text after "(HTTP code N) reason - " in the error message; else the reason.
 */
export function engineDetail(error: unknown): string {
  const e = (error ?? {}) as EngineErrorLike;
  if (e.json?.message) return e.json.message.trim();
  const body = /^\(HTTP code \d+\) [^-]*- ([\s\S]*\S)\s*$/.exec(e.message ?? '')?.[1];
  return (body ?? e.reason ?? e.message ?? String(error)).trim();
}

/** Maps a dockerode/docker-modem failure to a typed error (exported for unit tests). */
export function mapEngineError(error: unknown, action: string, endpoint: string, image?: string): Error {
  if (error instanceof Tjs2iError) return error;
  const e = (error ?? {}) as EngineErrorLike;
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return new InterruptedError();
  if (e.code && UNREACHABLE.has(e.code) && e.statusCode === undefined) {
    return new EngineUnreachableError(
      `cannot reach the Docker engine at ${endpoint} (${e.code})`,
      'start the engine (e.g. `dockerd &`), or point --docker-host or DOCKER_HOST at a running one',
    );
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
  return new BuildFailedError(`${action} failed: ${detail}`);
}

export interface EngineOptions {
  /** The --docker-host option: overrides DOCKER_HOST. */
  dockerHost?: string;
  env?: NodeJS.ProcessEnv;
  /** A ready client (tests); the endpoint is then only used in messages. */
  docker?: Docker;
}

/**
 * The engine at --docker-host, DOCKER_HOST or the local socket. Throws UsageError for a malformed
 * or unsupported endpoint and for unreadable TLS files.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const env = options.env ?? process.env;
  const host = resolveDockerHost(options.dockerHost, env);
  const endpoint = describeDockerHost(host);
  const docker = options.docker ?? connect(host);
  /** A container path as a tar stream, or undefined when it does not exist (404). */
  const archiveOf = async (containerId: string, path: string, signal?: AbortSignal): Promise<Readable | undefined> => {
    try {
      return (await docker.getContainer(containerId).getArchive({ path, abortSignal: signal } as { path: string })) as unknown as Readable;
    } catch (error) {
      if ((error as EngineErrorLike).statusCode === 404) return undefined;
      throw error;
    }
  };
  const call = async <T>(action: string, run: () => Promise<T>, image?: string): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw mapEngineError(error, action, endpoint, image);
    }
  };

  /** Creates a container whose output is attached (no TTY): build, save-artifacts, usage and servers alike. */
  const create = (options: Docker.ContainerCreateOptions & { Image: string }, signal?: AbortSignal): Promise<string> =>
    call(
      `create a container from ${options.Image}`,
      async () => {
        const container = await docker.createContainer({
          ...options,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          abortSignal: signal,
        } as Docker.ContainerCreateOptions);
        return container.id;
      },
      options.Image,
    );

  return {
    endpoint,

    async inspectImage(name, signal) {
      try {
        const info = await docker.getImage(name).inspect(withSignal(signal) as Docker.ImageInspectOptions);
        const config = info.Config ?? {};
        return {
          id: info.Id,
          repoTags: info.RepoTags ?? [],
          user: config.User ?? '',
          entrypoint: (config.Entrypoint as string[] | null | undefined) ?? null,
          cmd: (config.Cmd as string[] | null | undefined) ?? null,
          env: config.Env ?? [],
          labels: config.Labels ?? {},
          workingDir: config.WorkingDir ?? '',
          size: info.Size,
          platform: [info.Os, info.Architecture, (info as { Variant?: string }).Variant].filter(Boolean).join('/'),
        };
      } catch (error) {
        if ((error as EngineErrorLike).statusCode === 404) return undefined;
        throw mapEngineError(error, `inspect image ${name}`, endpoint);
      }
    },

    buildImage: (context, spec, signal) =>
      call(`build image ${spec.tag}`, async () => {
        const stream = (await docker.buildImage(
          context as unknown as NodeJS.ReadableStream,
          {
            t: spec.tag,
            labels: spec.labels,
            rm: true,
            forcerm: true,
            abortSignal: signal,
          } as Docker.ImageBuildOptions,
        )) as unknown as Readable;
        const events = await followProgress(stream, spec.onEvent ?? (() => undefined));
        const id = events
          .map((e) => e.aux?.ID)
          .filter(Boolean)
          .pop();
        if (id) return id;
        const image = await docker.getImage(spec.tag).inspect(withSignal(signal) as Docker.ImageInspectOptions);
        return image.Id;
      }),

    async pullImage(name, onEvent, signal) {
      try {
        const stream = (await docker.pull(name, withSignal(signal))) as unknown as Readable;
        await followProgress(stream, onEvent);
      } catch (error) {
        // Engine unreachable or interrupted stay as they are; anything the engine or the registry
        // said (HTTP answer or an error line in the stream) is a failed pull.
        const mapped = mapEngineError(error, `pull ${name}`, endpoint);
        if (!(mapped instanceof BuildFailedError)) throw mapped;
        throw pullFailure(name, engineDetail(error));
      }
    },

    async pushImage(repository, tag, auth, onEvent, signal) {
      const reference = `${repository}:${tag}`;
      try {
        // The engine wants X-Registry-Auth (or a JSON body) even for a registry without auth.
        const stream = (await docker.getImage(repository).push({ tag, authconfig: { ...auth }, ...withSignal(signal) })) as unknown as Readable;
        const events = await followProgress(stream, onEvent);
        return events
          .map((e) => e.aux?.Digest ?? /\bdigest: (sha256:[0-9a-f]{64})/.exec(e.status ?? '')?.[1])
          .filter(Boolean)
          .pop();
      } catch (error) {
        const mapped = mapEngineError(error, `push ${reference}`, endpoint);
        if (!(mapped instanceof BuildFailedError)) throw mapped;
        throw pushFailure(reference, registryOf(repository), engineDetail(error));
      }
    },

    createContainer: (spec, signal) =>
      create({ name: spec.name, Image: spec.image, User: spec.user, Entrypoint: spec.entrypoint, Cmd: spec.cmd, Env: spec.env }, signal),

    putArchive: (containerId, archive, path, signal) =>
      call('upload the source', async () => {
        try {
          await docker.getContainer(containerId).putArchive(
            archive as unknown as NodeJS.ReadableStream,
            {
              path,
              abortSignal: signal,
            } as unknown as Docker.ContainerInfo,
          );
        } catch (error) {
          if ((error as EngineErrorLike).statusCode === 404) {
            throw new UsageError(`${path} does not exist in the builder image`, 'give a --destination that exists in the image (s2i does not create it)');
          }
          throw error;
        }
      }),

    readFile: (containerId, path, signal) =>
      call(`read ${path}`, async () => {
        const archive = await archiveOf(containerId, path, signal);
        return archive && firstFileOf(archive);
      }),

    readArchive: (containerId, path, maxBytes, signal) =>
      call(`read ${path}`, async () => {
        const archive = await archiveOf(containerId, path, signal);
        return archive && readAtMost(archive, maxBytes, path);
      }),

    listPath: (containerId, path, limit, signal) =>
      call(`look at ${path}`, async () => {
        const archive = await archiveOf(containerId, path, signal);
        return archive && firstEntriesOf(archive, limit);
      }),

    run: (containerId, onOutput, signal) =>
      call('run assemble', async () => {
        const container = docker.getContainer(containerId);
        const { ended: drained } = await attach(docker, containerId, onOutput, signal);
        await container.start({ abortSignal: signal } as object);
        const result = (await container.wait({ abortSignal: signal } as object)) as { StatusCode: number };
        await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        return result.StatusCode;
      }),

    commit: (containerId, spec, signal) =>
      call('commit', async () => {
        // The engine reads the query (container, no repo/tag) and the image config from the body;
        // without _query/_body dockerode would send the whole object as both.
        const result = (await docker.getContainer(containerId).commit({
          _query: { container: containerId },
          _body: { Cmd: spec.cmd, User: spec.user, Entrypoint: spec.entrypoint, Labels: spec.labels },
          abortSignal: signal,
        })) as { Id: string };
        return result.Id;
      }),

    tagImage: (imageId, repository, tag) =>
      call(`tag ${repository}:${tag}`, async () => {
        await docker.getImage(imageId).tag({ repo: repository, tag });
      }),

    async removeImage(imageId) {
      try {
        await docker.getImage(imageId).remove({ noprune: false });
      } catch (error) {
        if ((error as EngineErrorLike).statusCode === 404) return;
        throw mapEngineError(error, `remove image ${imageId.slice(0, 19)}`, endpoint);
      }
    },

    async removeContainer(containerId) {
      try {
        await docker.getContainer(containerId).remove({ force: true, v: true });
      } catch (error) {
        const code = (error as EngineErrorLike).statusCode;
        if (code === 404 || code === 409) return; // gone, or removal already in progress
        throw mapEngineError(error, `remove container ${shortId(containerId)}`, endpoint);
      }
    },

    createServer: (spec, signal) =>
      create(
        {
          name: spec.name,
          Image: spec.image,
          ...(spec.user !== undefined ? { User: spec.user } : {}),
          Env: spec.env,
          Labels: spec.labels,
          ExposedPorts: { [spec.containerPort]: {} },
          HostConfig: {
            PortBindings: { [spec.containerPort]: [{ HostIp: spec.hostIp, HostPort: spec.hostPort === undefined ? '' : String(spec.hostPort) }] },
            ...(spec.binds?.length ? { Binds: spec.binds } : {}),
          },
        },
        signal,
      ),

    attachOutput: (containerId, onOutput, signal) => call(`attach to container ${shortId(containerId)}`, () => attach(docker, containerId, onOutput, signal)),

    startContainer: (containerId, signal) =>
      call(`start container ${shortId(containerId)}`, async () => {
        try {
          await docker.getContainer(containerId).start({ abortSignal: signal } as object);
        } catch (error) {
          if ((error as EngineErrorLike).statusCode === 304) return; // already started
          throw error;
        }
      }),

    async inspectContainer(containerId, signal) {
      try {
        const info = await docker.getContainer(containerId).inspect(withSignal(signal) as object);
        const ports: ContainerState['ports'] = {};
        for (const [port, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
          ports[port] = (bindings ?? []).map((b) => ({ hostIp: b.HostIp, hostPort: Number(b.HostPort) }));
        }
        return {
          id: info.Id,
          name: info.Name.replace(/^\//, ''),
          running: info.State.Running,
          status: info.State.Status,
          exitCode: info.State.ExitCode,
          ports,
        };
      } catch (error) {
        if ((error as EngineErrorLike).statusCode === 404) return undefined;
        throw mapEngineError(error, `inspect container ${shortId(containerId)}`, endpoint);
      }
    },

    waitContainer: (containerId, signal) =>
      call(`wait for container ${shortId(containerId)}`, async () => {
        const result = (await docker.getContainer(containerId).wait({ abortSignal: signal } as object)) as { StatusCode: number };
        return result.StatusCode;
      }),

    async stopContainer(containerId, timeoutSeconds) {
      try {
        await docker.getContainer(containerId).stop({ t: timeoutSeconds });
      } catch (error) {
        const code = (error as EngineErrorLike).statusCode;
        if (code === 304 || code === 404) return; // already stopped, or gone
        throw mapEngineError(error, `stop container ${shortId(containerId)}`, endpoint);
      }
    },

    exportImage: (name, signal) =>
      call(
        `export image ${name}`,
        async () => {
          // dockerode's image.get() takes no abort signal: the same request through the modem.
          const stream = await new Promise<Readable>((resolve, reject) => {
            docker.modem.dial(
              {
                path: `/images/${name}/get`,
                method: 'GET',
                isStream: true,
                abortSignal: signal,
                statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
              },
              (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as Readable)),
            );
          });
          return signal ? addAbortSignal(signal, stream) : stream;
        },
        name,
      ),

    loadImage: (archive, signal) =>
      call('load the image', async () => {
        const response = (await docker.loadImage(
          archive as unknown as NodeJS.ReadableStream,
          {
            quiet: true,
            abortSignal: signal,
          } as object,
        )) as unknown as Readable;
        const result: LoadResult = { imageIds: [], tags: [] };
        await followProgress(response, (event) => {
          for (const line of (event.stream ?? '').split('\n')) {
            const id = /^Loaded image ID: (\S+)/.exec(line)?.[1];
            const tag = /^Loaded image: (\S+)/.exec(line)?.[1];
            if (id) result.imageIds.push(id);
            if (tag) result.tags.push(tag);
          }
        });
        return result;
      }),

    async statPath(containerId, path, signal) {
      try {
        const response = (await docker.getContainer(containerId).infoArchive({ path, abortSignal: signal } as { path: string })) as unknown as Readable & {
          headers: Record<string, string | undefined>;
        };
        response.resume();
        return parsePathStat(response.headers['x-docker-container-path-stat']);
      } catch (error) {
        if ((error as EngineErrorLike).statusCode === 404) return undefined;
        throw mapEngineError(error, `stat ${path}`, endpoint);
      }
    },
  };
}

/**
 * Attaches to a container's stdout and stderr: resolves once attached; `ended` resolves when the
 * output ends (wrapped in an object: an async function cannot return a promise unflattened).
 * demuxStream never ends its outputs: they are ended here.
 */
async function attach(
  docker: Docker,
  containerId: string,
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
  signal: AbortSignal | undefined,
): Promise<{ ended: Promise<void> }> {
  const stream = (await docker.getContainer(containerId).attach({
    stream: true,
    stdout: true,
    stderr: true,
    abortSignal: signal,
  } as Docker.ContainerAttachOptions)) as unknown as Readable;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (chunk: Buffer) => onOutput(chunk, 'stdout'));
  stderr.on('data', (chunk: Buffer) => onOutput(chunk, 'stderr'));
  const drained = new Promise<void>((resolve) => {
    const done = () => {
      stdout.end();
      stderr.end();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  docker.modem.demuxStream(stream, stdout, stderr);
  return { ended: drained };
}

/**
 * A dockerode client for the endpoint. With explicit options, DOCKER_HOST is hidden while the
 * client is made: docker-modem would otherwise read it (and its TLS files) under the options.
 */
function connect(host: DockerHost): Docker {
  const options = dockerConnectOptions(host);
  if (!options) return new Dockerode();
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return new Dockerode(options);
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}

/** dockerode 5 accepts `abortSignal` in every call's options; its published types predate that. */
function withSignal(signal: AbortSignal | undefined): object {
  return signal ? { abortSignal: signal } : {};
}

/** Files read from containers are small (passwd, image metadata): a larger one is an error, not a buffer. */
const MAX_READ_BYTES = 1024 * 1024;

/** The headers of the first `limit` entries of an archive; the rest is never read. */
function firstEntriesOf(archive: Readable, limit: number): Promise<PathEntry[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const entries: PathEntry[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      archive.unpipe(extract);
      archive.destroy();
      extract.destroy();
      resolve(entries);
    };
    extract.on('entry', (header, entry, next) => {
      entries.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0 });
      if (entries.length >= limit) return finish();
      entry.on('end', next);
      entry.resume();
    });
    extract.on('finish', finish);
    extract.on('error', (error) => (settled ? undefined : reject(error)));
    archive.on('error', (error) => (settled ? undefined : reject(error)));
    archive.pipe(extract);
  });
}

async function readAtMost(archive: Readable, maxBytes: number, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of archive as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      archive.destroy();
      throw new Error(`the archive of ${path} is more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function firstFileOf(archive: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let found: Buffer | undefined;
    extract.on('entry', (header, entry, next) => {
      if (found !== undefined || header.type !== 'file') {
        entry.on('end', next);
        entry.resume();
        return;
      }
      if ((header.size ?? 0) > MAX_READ_BYTES) {
        const error = new Error(`${header.name} is ${header.size} bytes, more than ${MAX_READ_BYTES}`);
        archive.destroy();
        extract.destroy(error);
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      entry.on('end', () => {
        found = Buffer.concat(chunks);
        next();
      });
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
