/** A fake ImageClient: images the engine has, and what was tagged, removed, pulled, pushed, exported and loaded. */
import type { Readable } from 'node:stream';
import { ImageTransferError } from '../../../src/engine/engine-errors.js';
import type { BuildImageSpec, ImageClient, ImageInfo, LoadResult, RegistryAuth } from '../../../src/engine/image-client.js';
import type { ProgressEvent } from '../../../src/engine/progress-stream.js';
import { FakeClient } from './fake-call-log.js';
import { readAll } from './helpers.js';

/** An image's configuration for a test: defaults (uid 1000, linux/amd64) with `partial` over them. */
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
    exposedPorts: [],
    healthcheck: null,
    size: 1234,
    platform: 'linux/amd64',
    ...partial,
  };
}

export class FakeImages extends FakeClient implements ImageClient {
  /** The images the engine has, by name or id. */
  readonly local = new Map<string, ImageInfo>();
  readonly tags: { imageId: string; repository: string; tag: string }[] = [];
  readonly removedImages: string[] = [];
  /** What was loaded: the archive's raw bytes. */
  readonly loads: Buffer[] = [];

  /** By default the image is in no registry, as the real engine would report it. */
  pullImpl: (name: string, onEvent: (event: ProgressEvent) => void, signal?: AbortSignal) => Promise<void> = async (name) => {
    throw new ImageTransferError('pull', name, `manifest for ${name} not found: manifest unknown: manifest unknown`);
  };
  /** By default the registry takes the push and gives a digest. */
  pushImpl: (
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onEvent: (event: ProgressEvent) => void,
    signal?: AbortSignal,
  ) => Promise<string | undefined> = async () => `sha256:${'d'.repeat(64)}`;
  exportImpl: (name: string, signal?: AbortSignal) => Promise<Readable> = async (name) => {
    throw new Error(`FakeImages.exportImage(${name}): not expected in this test`);
  };
  loadImpl: (archive: Readable, signal?: AbortSignal) => Promise<LoadResult> = async (archive) => {
    this.loads.push(await readAll(archive));
    return { imageIds: [], tags: [] };
  };

  async inspectImage(name: string, signal?: AbortSignal): Promise<ImageInfo | undefined> {
    this.log.record('inspectImage', [name, signal]);
    return this.local.get(name);
  }

  async buildImage(context: Readable, spec: BuildImageSpec, signal?: AbortSignal): Promise<string> {
    this.log.record('buildImage', [context, spec, signal]);
    throw new Error('FakeImages.buildImage: not expected in this test');
  }

  pullImage(name: string, onEvent: (event: ProgressEvent) => void, signal?: AbortSignal): Promise<void> {
    this.log.record('pullImage', [name, onEvent, signal]);
    return this.pullImpl(name, onEvent, signal);
  }

  pushImage(
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onEvent: (event: ProgressEvent) => void,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    this.log.record('pushImage', [repository, tag, auth, onEvent, signal]);
    return this.pushImpl(repository, tag, auth, onEvent, signal);
  }

  async tagImage(imageId: string, repository: string, tag: string): Promise<void> {
    this.log.record('tagImage', [imageId, repository, tag]);
    this.tags.push({ imageId, repository, tag });
  }

  async removeImage(imageId: string): Promise<void> {
    this.log.record('removeImage', [imageId]);
    this.removedImages.push(imageId);
    this.local.delete(imageId);
  }

  exportImage(name: string, signal?: AbortSignal): Promise<Readable> {
    this.log.record('exportImage', [name, signal]);
    return this.exportImpl(name, signal);
  }

  loadImage(archive: Readable, signal?: AbortSignal): Promise<LoadResult> {
    this.log.record('loadImage', [archive, signal]);
    return this.loadImpl(archive, signal);
  }
}
