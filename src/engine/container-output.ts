/** A container's stdout and stderr, as the engine multiplexes them on one attached stream. */
import type Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import type { OutputListener } from './container-client.js';

/**
 * Attaches to a container's stdout and stderr: resolves once attached; `ended` resolves when the
 * output ends (wrapped in an object: an async function cannot return a promise unflattened).
 * demuxStream never ends its outputs: they are ended here.
 */
export async function attachOutput(
  docker: Docker,
  containerId: string,
  onOutput: OutputListener,
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
