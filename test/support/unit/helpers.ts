/** Shared helpers for the unit tests (not a test file itself). */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'chai';
import tar from 'tar-stream';
import { UsageError } from '../../../src/common/errors.js';
import { s2iScript } from '../../../src/common/package-files.js';
import { pullFailure } from '../../../src/registry/pull-error.js';
import type {
  BuildImageSpec,
  CommitSpec,
  ContainerSpec,
  ContainerState,
  Engine,
  ImageInfo,
  LoadResult,
  PathEntry,
  PathStat,
  ProgressEvent,
  RegistryAuth,
  ServerSpec,
} from '../../../src/engine/engine.js';

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  linkname: string | undefined;
  /** Seconds since the epoch. */
  mtime: number;
  data: Buffer;
}

/** Reads a whole stream into one buffer (rejects if the stream errors). */
export function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => void chunks.push(Buffer.from(chunk)));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Parses a tar archive held in memory, entry by entry, in archive order. */
export function parseTar(archive: Buffer): Promise<TarEntry[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const entries: TarEntry[] = [];
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      stream.on('end', () => {
        entries.push({
          name: header.name,
          type: header.type ?? '',
          mode: header.mode ?? -1,
          uid: header.uid ?? -1,
          gid: header.gid ?? -1,
          uname: header.uname ?? '',
          gname: header.gname ?? '',
          size: header.size ?? 0,
          linkname: header.linkname ?? undefined,
          mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : 0,
          data: Buffer.concat(chunks),
        });
        next();
      });
      stream.resume();
    });
    extract.once('finish', () => resolve(entries));
    extract.once('error', reject);
    extract.end(archive);
  });
}

/** Reads a tar stream to its end and parses it: the raw bytes and the entries. */
export async function readTar(stream: Readable): Promise<{ raw: Buffer; entries: TarEntry[] }> {
  const raw = await readAll(stream);
  return { raw, entries: await parseTar(raw) };
}

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(prefix = 'tjs2i-unit-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs something that must throw a UsageError, and returns it. */
export function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/* ------------------------------------------------------------------------------------------ */
/* A fake Engine that records its calls in order. Behaviours are replaceable per test.        */
/* ------------------------------------------------------------------------------------------ */

export function imageInfo(partial: Partial<ImageInfo> = {}): ImageInfo {
  return {
    id: 'sha256:builder',
    repoTags: [],
    user: '1000',
    entrypoint: null,
    cmd: null,
    env: [],
    labels: {},
    workingDir: '',
    size: 1234,
    platform: 'linux/amd64',
    ...partial,
  };
}

export interface EngineCall {
  method: keyof Engine;
  args: unknown[];
}

export interface Upload {
  containerId: string;
  path: string;
  raw: Buffer;
  entries: TarEntry[];
}

export class FakeEngine implements Engine {
  readonly endpoint = 'unix:///fake/docker.sock';
  readonly calls: EngineCall[] = [];
  readonly images = new Map<string, ImageInfo>();
  readonly uploads: Upload[] = [];
  readonly created: ContainerSpec[] = [];
  readonly commits: CommitSpec[] = [];
  containerId = 'c0ffee0000000000000000000000000000000000000000000000000000000000';
  committedId = 'sha256:output';

  putArchiveImpl: (containerId: string, archive: Readable, path: string, signal?: AbortSignal) => Promise<void> = async (containerId, archive, path) => {
    const { raw, entries } = await readTar(archive);
    this.uploads.push({ containerId, path, raw, entries });
  };
  runImpl: (containerId: string, onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal) => Promise<number> = async (
    _id,
    onOutput,
  ) => {
    onOutput(Buffer.from('---> Installing\n'), 'stdout');
    return 0;
  };
  commitImpl: (containerId: string, spec: CommitSpec, signal?: AbortSignal) => Promise<string> = async (_id, spec) => {
    this.images.set(this.committedId, imageInfo({ id: this.committedId, size: 4242, labels: spec.labels }));
    return this.committedId;
  };
  removeContainerImpl: (containerId: string) => Promise<void> = async () => undefined;

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  async inspectImage(name: string, signal?: AbortSignal): Promise<ImageInfo | undefined> {
    this.calls.push({ method: 'inspectImage', args: [name, signal] });
    return this.images.get(name);
  }

  async buildImage(context: Readable, spec: BuildImageSpec, signal?: AbortSignal): Promise<string> {
    this.calls.push({ method: 'buildImage', args: [context, spec, signal] });
    throw new Error('FakeEngine.buildImage: not expected in this test');
  }

  /** By default the image is in no registry, as the real engine would report it. */
  pullImpl: (name: string, onEvent: (event: ProgressEvent) => void, signal?: AbortSignal) => Promise<void> = async (name) => {
    throw pullFailure(name, `manifest for ${name} not found: manifest unknown: manifest unknown`);
  };

  pullImage(name: string, onEvent: (event: ProgressEvent) => void, signal?: AbortSignal): Promise<void> {
    this.calls.push({ method: 'pullImage', args: [name, onEvent, signal] });
    return this.pullImpl(name, onEvent, signal);
  }

  /** By default the registry takes the push and gives a digest. */
  pushImpl: (
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onEvent: (event: ProgressEvent) => void,
    signal?: AbortSignal,
  ) => Promise<string | undefined> = async () => `sha256:${'d'.repeat(64)}`;

  pushImage(
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onEvent: (event: ProgressEvent) => void,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    this.calls.push({ method: 'pushImage', args: [repository, tag, auth, onEvent, signal] });
    return this.pushImpl(repository, tag, auth, onEvent, signal);
  }

  async createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<string> {
    this.calls.push({ method: 'createContainer', args: [spec, signal] });
    this.created.push(spec);
    return this.containerId;
  }

  putArchive(containerId: string, archive: Readable, path: string, signal?: AbortSignal): Promise<void> {
    this.calls.push({ method: 'putArchive', args: [containerId, archive, path, signal] });
    return this.putArchiveImpl(containerId, archive, path, signal);
  }

  /** What readFile finds in a container, by path: by default tjs2i's own assemble where a tjs2i builder has it. */
  files = new Map<string, string>([['/usr/libexec/s2i/assemble', readFileSync(s2iScript('assemble'), 'utf8')]]);

  async readFile(containerId: string, path: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    this.calls.push({ method: 'readFile', args: [containerId, path, signal] });
    const content = this.files.get(path);
    return content === undefined ? undefined : Buffer.from(content);
  }

  /** What readArchive finds in a container, by path: the archive's bytes. */
  archives = new Map<string, Buffer>();

  async readArchive(containerId: string, path: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    this.calls.push({ method: 'readArchive', args: [containerId, path, maxBytes, signal] });
    const archive = this.archives.get(path);
    if (archive && archive.length > maxBytes) throw new Error(`the archive of ${path} is more than ${maxBytes} bytes`);
    return archive;
  }

  /**
   * What listPath finds in a container, by path: by default a tjs2i builder's home (set-group-ID,
   * group 0, owned by uid 1000) with an empty work/ and no .tjs2i.
   */
  paths = new Map<string, PathEntry[]>([
    ['/home/jovyan', [{ name: 'jovyan/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]],
    ['/home/jovyan/work', [{ name: 'work/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]],
  ]);

  async listPath(containerId: string, path: string, limit: number, signal?: AbortSignal): Promise<PathEntry[] | undefined> {
    this.calls.push({ method: 'listPath', args: [containerId, path, limit, signal] });
    return this.paths.get(path)?.slice(0, limit);
  }

  run(containerId: string, onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<number> {
    this.calls.push({ method: 'run', args: [containerId, onOutput, signal] });
    return this.runImpl(containerId, onOutput, signal);
  }

  commit(containerId: string, spec: CommitSpec, signal?: AbortSignal): Promise<string> {
    this.calls.push({ method: 'commit', args: [containerId, spec, signal] });
    this.commits.push(spec);
    return this.commitImpl(containerId, spec, signal);
  }

  removeContainer(containerId: string): Promise<void> {
    this.calls.push({ method: 'removeContainer', args: [containerId] });
    return this.removeContainerImpl(containerId);
  }

  /* Image export and load (the builder's rewrite path), and paths' stats in a container. */

  exportImpl: (name: string, signal?: AbortSignal) => Promise<Readable> = async (name) => {
    throw new Error(`FakeEngine.exportImage(${name}): not expected in this test`);
  };
  /** What was loaded: the archive's raw bytes. */
  readonly loads: Buffer[] = [];
  loadImpl: (archive: Readable, signal?: AbortSignal) => Promise<LoadResult> = async (archive) => {
    this.loads.push(await readAll(archive));
    return { imageIds: [], tags: [] };
  };
  /** What statPath finds, by path. */
  stats = new Map<string, PathStat>();

  exportImage(name: string, signal?: AbortSignal): Promise<Readable> {
    this.calls.push({ method: 'exportImage', args: [name, signal] });
    return this.exportImpl(name, signal);
  }

  loadImage(archive: Readable, signal?: AbortSignal): Promise<LoadResult> {
    this.calls.push({ method: 'loadImage', args: [archive, signal] });
    return this.loadImpl(archive, signal);
  }

  async statPath(containerId: string, path: string, signal?: AbortSignal): Promise<PathStat | undefined> {
    this.calls.push({ method: 'statPath', args: [containerId, path, signal] });
    return this.stats.get(path);
  }

  readonly tags: { imageId: string; repository: string; tag: string }[] = [];
  readonly removedImages: string[] = [];

  async tagImage(imageId: string, repository: string, tag: string): Promise<void> {
    this.calls.push({ method: 'tagImage', args: [imageId, repository, tag] });
    this.tags.push({ imageId, repository, tag });
  }

  async removeImage(imageId: string): Promise<void> {
    this.calls.push({ method: 'removeImage', args: [imageId] });
    this.removedImages.push(imageId);
  }

  /* A fake server container (tjs2i run): output sent on start, an exit the test triggers. */

  readonly servers: ServerSpec[] = [];
  /** What the server prints when started (each chunk on stderr, as Jupyter logs). */
  serverOutput: string[] = [];
  /** The host port the engine "chose" when none was asked for. */
  chosenPort = 49153;
  private serverOnOutput: ((chunk: Buffer, stream: 'stdout' | 'stderr') => void) | undefined;
  private serverExitCode: number | undefined;
  private endOutput: () => void = () => undefined;
  private exitServerWith: (code: number) => void = () => undefined;
  private readonly serverExited = new Promise<number>((resolve) => {
    this.exitServerWith = resolve;
  });
  private readonly outputEnded = new Promise<void>((resolve) => {
    this.endOutput = resolve;
  });
  startContainerImpl: (containerId: string, signal?: AbortSignal) => Promise<void> = async () => {
    for (const chunk of this.serverOutput) this.emitServerOutput(chunk);
  };

  /** Prints a line from the fake server, as if the container wrote it. */
  emitServerOutput(text: string): void {
    this.serverOnOutput?.(Buffer.from(text), 'stderr');
  }

  /** Makes the fake server exit: its output ends and waitContainer resolves. */
  exitServer(code: number): void {
    if (this.serverExitCode !== undefined) return;
    this.serverExitCode = code;
    this.endOutput();
    this.exitServerWith(code);
  }

  async createServer(spec: ServerSpec, signal?: AbortSignal): Promise<string> {
    this.calls.push({ method: 'createServer', args: [spec, signal] });
    this.servers.push(spec);
    return this.containerId;
  }

  async attachOutput(
    containerId: string,
    onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    signal?: AbortSignal,
  ): Promise<{ ended: Promise<void> }> {
    this.calls.push({ method: 'attachOutput', args: [containerId, onOutput, signal] });
    this.serverOnOutput = onOutput;
    return { ended: this.outputEnded };
  }

  startContainer(containerId: string, signal?: AbortSignal): Promise<void> {
    this.calls.push({ method: 'startContainer', args: [containerId, signal] });
    return this.startContainerImpl(containerId, signal);
  }

  async inspectContainer(containerId: string, signal?: AbortSignal): Promise<ContainerState | undefined> {
    this.calls.push({ method: 'inspectContainer', args: [containerId, signal] });
    const spec = this.servers.at(-1);
    const port = spec?.hostPort ?? this.chosenPort;
    return {
      id: containerId,
      name: spec?.name ?? 'fake',
      running: this.serverExitCode === undefined,
      status: this.serverExitCode === undefined ? 'running' : 'exited',
      exitCode: this.serverExitCode ?? 0,
      ports: spec ? { [spec.containerPort]: [{ hostIp: spec.hostIp, hostPort: port }] } : {},
    };
  }

  waitContainer(containerId: string, signal?: AbortSignal): Promise<number> {
    this.calls.push({ method: 'waitContainer', args: [containerId, signal] });
    return this.serverExited;
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    this.calls.push({ method: 'stopContainer', args: [containerId, timeoutSeconds] });
    this.exitServer(143);
  }
}
