/**
 * Which engine the integration tests drive: Docker (default) or, with TJS2I_ENGINE=podman, Podman's
 * Docker-compatible API (.ci/podman.sh starts it), where only the tests whose titles carry
 * PODMAN_MARK run (`mocha --grep 'also on Podman'`), on the 2016 family.
 */
export type EngineUnderTest = 'docker' | 'podman';

function engineUnderTest(value = process.env.TJS2I_ENGINE ?? 'docker'): EngineUnderTest {
  if (value === 'docker' || value === 'podman') return value;
  throw new Error(`TJS2I_ENGINE=${value}: the engines are docker and podman`);
}

export const ENGINE_UNDER_TEST = engineUnderTest();
export const ON_PODMAN = ENGINE_UNDER_TEST === 'podman';
/** The socket .ci/podman.sh serves Podman's API on. */
export const PODMAN_SOCKET = '/run/tjs2i-podman/podman.sock';
// The CLI, the docker CLI and the recorders all follow DOCKER_HOST.
if (ON_PODMAN && !process.env.DOCKER_HOST) process.env.DOCKER_HOST = `unix://${PODMAN_SOCKET}`;

export const PODMAN_MARK = '(also on Podman)';
/** A test title that the Podman pass runs too. */
export const onPodman = (title: string) => `${title} ${PODMAN_MARK}`;

/** Where the engine under test listens, for the tests' proxies: DOCKER_HOST's unix socket or plain TCP address. */
export function engineAddress(): { socketPath: string } | { host: string; port: number } {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (tcp && process.env.DOCKER_TLS_VERIFY !== '1') return { host: tcp[1]!, port: Number(tcp[2]) };
  throw new Error(`a test proxy cannot forward to DOCKER_HOST=${host} (TLS)`);
}
