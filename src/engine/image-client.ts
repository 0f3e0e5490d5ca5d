/** The engine's images: inspect, build, pull, push, tag, remove, export and load. */
import type { Readable } from 'node:stream';
import type { ProgressEvent } from './progress-stream.js';

export interface ImageInfo {
  id: string;
  repoTags: string[];
  user: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  labels: Record<string, string>;
  workingDir: string;
  /** The ports the image declares (`EXPOSE`), e.g. `8888/tcp`. */
  exposedPorts: string[];
  /** The image's HEALTHCHECK test (`["CMD-SHELL", "…"]`, `["NONE"]` when switched off), or null when it has none. */
  healthcheck: string[] | null;
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

export interface BuildImageSpec {
  tag: string;
  labels?: Record<string, string>;
  onEvent?: (event: ProgressEvent) => void;
}

/** What `POST /images/load` reported: the images it loaded (by id when untagged) and the tags it set. */
export interface LoadResult {
  imageIds: string[];
  tags: string[];
}

export interface ImageClient {
  /** The image's configuration, or undefined when the engine has no such image. */
  inspectImage(name: string, signal?: AbortSignal): Promise<ImageInfo | undefined>;
  buildImage(context: Readable, spec: BuildImageSpec, signal?: AbortSignal): Promise<string>;
  /**
   * Pulls an image. What the engine or the registry refused (an HTTP answer, or an error line in
   * the progress stream) is an ImageTransferError, for the registry modules to explain.
   */
  pullImage(name: string, onEvent: (event: ProgressEvent) => void, signal?: AbortSignal): Promise<void>;
  /**
   * Pushes `repository:tag` to its registry with these credentials (none: an empty auth config);
   * resolves with the digest the registry gave, when the engine told it. What the engine or the
   * registry refused is an ImageTransferError, for the registry modules to explain.
   */
  pushImage(
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onEvent: (event: ProgressEvent) => void,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
  tagImage(imageId: string, repository: string, tag: string): Promise<void>;
  /** Best effort; an image that is already gone is not an error. */
  removeImage(imageId: string): Promise<void>;
  /** The image as `docker save` writes it (GET /images/{name}/get), streamed as the engine sends it. */
  exportImage(name: string, signal?: AbortSignal): Promise<Readable>;
  /**
   * Streams an image archive into POST /images/load and reads its JSON progress to the end; an
   * error line or an HTTP error rejects (BuildFailedError).
   */
  loadImage(archive: Readable, signal?: AbortSignal): Promise<LoadResult>;
}
