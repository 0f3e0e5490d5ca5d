/** The ImageClient on dockerode. */
import type Docker from 'dockerode';
import { addAbortSignal, type Readable } from 'node:stream';
import { withSignal } from './abort-option.js';
import { mappedCall, orAbsent, transferFailure } from './engine-errors.js';
import type { ImageClient, ImageInfo } from './image-client.js';
import { loadResultOf } from './load-result.js';
import { followProgress } from './progress-stream.js';

export function createImageClient(docker: Docker, endpoint: string): ImageClient {
  const call = mappedCall(endpoint);
  return {
    inspectImage: (name, signal) =>
      call(`inspect image ${name}`, () =>
        orAbsent(async () => imageInfoOf(await docker.getImage(name).inspect(withSignal(signal) as Docker.ImageInspectOptions))),
      ),

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
        throw transferFailure(error, 'pull', name, endpoint);
      }
    },

    async pushImage(repository, tag, auth, onEvent, signal) {
      try {
        // The engine wants X-Registry-Auth (or a JSON body) even for a registry without auth.
        const stream = (await docker.getImage(repository).push({ tag, authconfig: { ...auth }, ...withSignal(signal) })) as unknown as Readable;
        const events = await followProgress(stream, onEvent);
        return events
          .map((e) => e.aux?.Digest ?? /\bdigest: (sha256:[0-9a-f]{64})/.exec(e.status ?? '')?.[1])
          .filter(Boolean)
          .pop();
      } catch (error) {
        throw transferFailure(error, 'push', `${repository}:${tag}`, endpoint);
      }
    },

    tagImage: (imageId, repository, tag) =>
      call(`tag ${repository}:${tag}`, async () => {
        await docker.getImage(imageId).tag({ repo: repository, tag });
      }),

    removeImage: (imageId) =>
      call(`remove image ${imageId.slice(0, 19)}`, async () => {
        await orAbsent(async () => {
          await docker.getImage(imageId).remove({ noprune: false });
        });
      }),

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
        const lines: string[] = [];
        await followProgress(response, (event) => void lines.push(...(event.stream ?? '').split('\n')));
        return loadResultOf(lines);
      }),
  };
}

function imageInfoOf(info: Docker.ImageInspectInfo): ImageInfo {
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
    exposedPorts: Object.keys(config.ExposedPorts ?? {}),
    healthcheck: config.Healthcheck?.Test ?? null,
    size: info.Size,
    platform: [info.Os, info.Architecture, (info as { Variant?: string }).Variant].filter(Boolean).join('/'),
  };
}
