/** The ContainerClient on dockerode. */
import type Docker from 'dockerode';
import { commitChanges } from './commit-changes.js';
import type { EngineIdentity } from './engine-identity.js';
import { withSignal } from './abort-option.js';
import { RESTRICTED_HOST_CONFIG, type ContainerClient, type ContainerState } from './container-client.js';
import { attachOutput } from './container-output.js';
import { HttpStatus, mappedCall, orAbsent } from './engine-errors.js';
import { shortId } from './short-id.js';

/** How long `run` waits for the last output once the container exited. */
const DRAIN_MS = 5000;

export function createContainerClient(docker: Docker, endpoint: string, identify: (signal?: AbortSignal) => Promise<EngineIdentity>): ContainerClient {
  const call = mappedCall(endpoint);

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
    createContainer: (spec, signal) =>
      create(
        {
          name: spec.name,
          Image: spec.image,
          User: spec.user,
          Entrypoint: spec.entrypoint,
          Cmd: spec.cmd,
          Env: spec.env,
          ...(spec.labels ? { Labels: spec.labels } : {}),
          ...(spec.restricted ? { HostConfig: restrictedHostConfig() } : {}),
        },
        signal,
      ),

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
            ...(spec.restricted ? restrictedHostConfig() : {}),
          },
        },
        signal,
      ),

    run: (containerId, onOutput, signal) =>
      call('run assemble', async () => {
        const container = docker.getContainer(containerId);
        const { ended: drained } = await attachOutput(docker, containerId, onOutput, signal);
        await container.start({ abortSignal: signal } as object);
        const result = (await container.wait({ abortSignal: signal } as object)) as { StatusCode: number };
        await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
        return result.StatusCode;
      }),

    attachOutput: (containerId, onOutput, signal) =>
      call(`attach to container ${shortId(containerId)}`, () => attachOutput(docker, containerId, onOutput, signal)),

    startContainer: (containerId, signal) =>
      call(`start container ${shortId(containerId)}`, async () => {
        await orAbsent(async () => {
          await docker.getContainer(containerId).start({ abortSignal: signal } as object);
        }, [HttpStatus.notModified]); // already started
      }),

    inspectContainer: (containerId, signal) =>
      call(`inspect container ${shortId(containerId)}`, () =>
        orAbsent(async () => containerStateOf(await docker.getContainer(containerId).inspect(withSignal(signal) as object))),
      ),

    waitContainer: (containerId, signal) =>
      call(`wait for container ${shortId(containerId)}`, async () => {
        const result = (await docker.getContainer(containerId).wait({ abortSignal: signal } as object)) as { StatusCode: number };
        return result.StatusCode;
      }),

    stopContainer: (containerId, timeoutSeconds) =>
      call(`stop container ${shortId(containerId)}`, async () => {
        await orAbsent(async () => {
          await docker.getContainer(containerId).stop({ t: timeoutSeconds });
        }, [HttpStatus.notModified, HttpStatus.notFound]); // already stopped, or gone
      }),

    commit: (containerId, spec, signal) =>
      call('commit', async () => {
        // Podman before 4.8 ignores the body: it gets the same settings as changes too (commit-changes.ts).
        const identity = await identify(signal).catch(() => undefined);
        const changes = identity?.kind === 'podman' ? { changes: commitChanges(spec).join('\n') } : {};
        // The engine reads the query (container, no repo/tag) and the image config from the body;
        // without _query/_body dockerode would send the whole object as both.
        const result = (await docker.getContainer(containerId).commit({
          _query: { container: containerId, ...changes },
          _body: { Cmd: spec.cmd, User: spec.user, Entrypoint: spec.entrypoint, Labels: spec.labels },
          abortSignal: signal,
        })) as { Id: string };
        return result.Id;
      }),

    removeContainer: (containerId) =>
      call(`remove container ${shortId(containerId)}`, async () => {
        await orAbsent(async () => {
          await docker.getContainer(containerId).remove({ force: true, v: true });
        }, [HttpStatus.notFound, HttpStatus.conflict]); // gone, or removal already in progress
      }),
  };
}

/** A fresh copy: dockerode's options are plain mutable objects. */
function restrictedHostConfig(): Docker.HostConfig {
  return { CapDrop: [...RESTRICTED_HOST_CONFIG.CapDrop], SecurityOpt: [...RESTRICTED_HOST_CONFIG.SecurityOpt] };
}

function containerStateOf(info: Docker.ContainerInspectInfo): ContainerState {
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
}
