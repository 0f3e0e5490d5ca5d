/**
 * Finding the S2I scripts (assemble, run, save-artifacts, usage), as s2i does, one script at a time:
 * `--scripts-url` first, then the source's `.s2i/bin`, then the builder's
 * `io.openshift.s2i.scripts-url` label. A location is `image:///dir` (inside the image, used in
 * place), `file:///dir` (on the build machine) or `http(s)://host/dir` (downloaded); scripts that
 * are not in the image are uploaded to `<destination>/scripts`.
 */
import { lstat, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InterruptedError, UsageError } from '../common/errors.js';
import { credentialsOf, redactCredentials, redactLocation, stripCredentials } from '../common/redact.js';
import { basicCredentials } from '../common/basic-auth.js';
import { shownInput } from '../common/message-text.js';
import { Label } from './labels.js';

export type ScriptName = 'assemble' | 'run' | 'save-artifacts' | 'usage';

export interface ScriptLocation {
  name: ScriptName;
  /** Where it was found, for messages: `--scripts-url`, `source` or `image`. */
  origin: 'scripts-url' | 'source' | 'image';
  /** The script's path inside the build container and the output image. */
  imagePath: string;
  /** For scripts not in the image: the file on the build machine, uploaded to `<destination>/scripts`. */
  hostPath?: string;
}

export type ScriptsUrl = { kind: 'image'; dir: string } | { kind: 'file'; dir: string } | { kind: 'http'; base: string };

/** Largest script accepted from a URL: scripts are small, a huge answer is a mistake. */
const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

export function parseScriptsUrl(url: string, where = '--scripts-url'): ScriptsUrl {
  const trimmed = url.trim();
  // Masked to the last `@`: a password with a raw `/` is not a URL's user-info to stripCredentials.
  const shown = shownInput(redactCredentials(redactLocation(trimmed), credentialsOf(trimmed)));
  const hint = 'use image:///dir/in/image, file:///dir/on/this/machine or http(s)://host/dir';
  const image = /^image:\/\/(\/.*)$/.exec(trimmed);
  if (image?.[1]) return { kind: 'image', dir: image[1].replace(/\/+$/, '') || '/' };
  if (/^file:/i.test(trimmed)) {
    try {
      return { kind: 'file', dir: fileURLToPath(trimmed) };
    } catch {
      throw new UsageError(`${where} ${shown} is not an absolute file URL`, hint);
    }
  }
  if (/^https?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new UsageError(`${where} ${shown} is not a valid URL`, hint);
    }
    // The script name is appended to the path: a query or fragment would swallow it.
    if (url.search || url.hash) throw new UsageError(`${where} ${shown} has a query or fragment`, 'give the URL of the directory that holds the scripts');
    return { kind: 'http', base: trimmed.replace(/\/+$/, '') };
  }
  throw new UsageError(`unsupported scripts location ${shown} (${where})`, hint);
}

export interface ScriptSources {
  /** `--scripts-url`. */
  scriptsUrl?: string;
  /** The source tree, whose `.s2i/bin` is searched. */
  sourceDir?: string;
  /** The image's `io.openshift.s2i.scripts-url` label. */
  imageScriptsUrl?: string;
  /** Where external scripts are uploaded: `<destination>/scripts`. */
  destination: string;
}

/** Finds scripts; downloaded ones live in a temporary directory that `cleanup` removes. */
export class ScriptFinder {
  private readonly flag?: ScriptsUrl;
  private readonly label?: ScriptsUrl;
  private downloads?: string;

  constructor(
    private readonly sources: ScriptSources,
    private readonly signal?: AbortSignal,
  ) {
    if (sources.scriptsUrl) this.flag = parseScriptsUrl(sources.scriptsUrl);
    if (sources.imageScriptsUrl) {
      this.label = parseScriptsUrl(sources.imageScriptsUrl, `the image label ${Label.scriptsUrl}`);
      // An image must not make the build machine read its files or fetch URLs (its network may
      // reach what the image's author cannot): a label can only name a directory inside the image.
      if (this.label.kind !== 'image') {
        throw new UsageError(
          `the image label ${Label.scriptsUrl} is ${stripCredentials(sources.imageScriptsUrl)}; tjs2i only follows image:// locations from a label`,
          'give the location yourself with --scripts-url if you trust it',
        );
      }
    }
  }

  /** The script, or undefined when it is nowhere. */
  async find(name: ScriptName): Promise<ScriptLocation | undefined> {
    return (await this.search(name)).found;
  }

  /** The script, or a UsageError listing every place looked at. */
  async require(name: ScriptName): Promise<ScriptLocation> {
    const { found, looked } = await this.search(name);
    if (found) return found;
    throw new UsageError(
      `no ${name} script found; looked in ${looked.join(', ')}`,
      'give --scripts-url, add .s2i/bin/' + name + ' to the source, or use a builder made by `tjs2i builder`',
    );
  }

  async cleanup(): Promise<void> {
    if (this.downloads) await rm(this.downloads, { recursive: true, force: true });
  }

  private async search(name: ScriptName): Promise<{ found?: ScriptLocation; looked: string[] }> {
    const looked: string[] = [];
    if (this.flag) {
      const found = await this.at(this.flag, name, 'scripts-url');
      if (found) return { found, looked };
      looked.push(`--scripts-url ${this.describe(this.flag)}`);
    }
    if (this.sources.sourceDir) {
      const found = await this.inSource(name);
      if (found) return { found, looked };
      looked.push(`.s2i/bin/${name} in the source`);
    }
    if (this.label) {
      const found = await this.at(this.label, name, 'image');
      if (found) return { found, looked };
      looked.push(`the image label ${Label.scriptsUrl} (${this.describe(this.label)})`);
    } else {
      looked.push(`the image label ${Label.scriptsUrl} (not set)`);
    }
    return { looked };
  }

  private describe(location: ScriptsUrl): string {
    if (location.kind === 'http') return stripCredentials(location.base);
    return location.kind === 'image' ? `image://${location.dir}` : `file://${location.dir}`;
  }

  private uploaded(name: ScriptName, origin: ScriptLocation['origin'], hostPath: string): ScriptLocation {
    return { name, origin, hostPath, imagePath: posix.join(this.sources.destination, 'scripts', name) };
  }

  private async inSource(name: ScriptName): Promise<ScriptLocation | undefined> {
    const root = this.sources.sourceDir as string;
    const path = join(root, '.s2i', 'bin', name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) return undefined;
    // A symlink (the script, or .s2i or .s2i/bin on the way to it) could point anywhere on the build
    // machine: never follow one out of the source.
    if (!st.isFile() || !(await isInside(path, root))) {
      throw new UsageError(
        `.s2i/bin/${name} in the source is not a regular file inside the source`,
        'make .s2i/bin a plain directory holding plain executable files, not symlinks',
      );
    }
    return this.uploaded(name, 'source', path);
  }

  private async at(location: ScriptsUrl, name: ScriptName, origin: ScriptLocation['origin']): Promise<ScriptLocation | undefined> {
    switch (location.kind) {
      case 'image':
        // Inside the image: it cannot be checked without running a container, so it is taken as
        // there, as s2i does; a missing one makes the container fail with the path in its message.
        return { name, origin, imagePath: posix.join(location.dir, name) };
      case 'file': {
        const path = join(location.dir, name);
        // The user named this directory: following a symlink in it is what they asked for.
        const st = await stat(path).catch(() => undefined);
        if (!st) return undefined;
        if (!st.isFile()) throw new UsageError(`${path} is not a regular file`, 'scripts must be executable files');
        return this.uploaded(name, origin, path);
      }
      case 'http':
        return this.download(location.base, name, origin);
    }
  }

  private async download(base: string, name: ScriptName, origin: ScriptLocation['origin']): Promise<ScriptLocation | undefined> {
    const { url, headers } = requestFor(`${base}/${name}`);
    const shown = stripCredentials(`${base}/${name}`);
    const secrets = credentialsOf(base);
    const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, { headers, redirect: 'follow', signal: this.signal ? AbortSignal.any([this.signal, timeout]) : timeout });
    } catch (error) {
      if (this.signal?.aborted) throw new InterruptedError();
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = timeout.aborted ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new UsageError(`cannot fetch ${shown}: ${redactCredentials(why, secrets)}`, 'check --scripts-url and that the server is up');
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UsageError(`cannot fetch ${shown}: HTTP ${response.status}`, 'check --scripts-url and its credentials');
    }
    const body = await readLimited(response, MAX_SCRIPT_BYTES);
    if (!body) throw new UsageError(`${shown} is larger than ${MAX_SCRIPT_BYTES} bytes, too large for a script`);
    this.downloads ??= await mkdtemp(join(tmpdir(), 'tjs2i-scripts-'));
    const path = join(this.downloads, name);
    await writeFile(path, body, { mode: 0o755 });
    return this.uploaded(name, origin, path);
  }
}

/** fetch refuses URLs with credentials: move them into a Basic Authorization header. */
export function requestFor(raw: string): { url: string; headers: Record<string, string> } {
  const url = new URL(raw);
  if (!url.username && !url.password) return { url: raw, headers: {} };
  const authorization = `Basic ${basicCredentials(url)}`;
  url.username = '';
  url.password = '';
  return { url: url.href, headers: { authorization } };
}

/** The body, read as it comes and abandoned past `limit` bytes (undefined then). */
async function readLimited(response: Response, limit: number): Promise<Buffer | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Whether `path`, with every symlink resolved, is below `root`. */
async function isInside(path: string, root: string): Promise<boolean> {
  const [real, realRoot] = await Promise.all([realpath(path), realpath(root)]);
  return real.startsWith(`${realRoot}${sep}`);
}
