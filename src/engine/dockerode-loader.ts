/**
 * Loads dockerode for engine.ts (the engine's clients are its only users) without what it requires eagerly but
 * tjs2i rarely or never needs: gRPC and protobuf for BuildKit sessions (about 110 modules, never
 * used here) and ssh2 with its native cpu-features (about 30 modules, used only for an ssh://
 * DOCKER_HOST). Each is replaced in the CommonJS cache by a stand-in that loads the real module on
 * first use, which cuts dockerode's load time by about two thirds and the CLI's memory by ~10 MiB.
 * When a stand-in cannot be made (a module moved in a new version), the real module is loaded as
 * before: this is an optimisation, never a behaviour change.
 */
import { createRequire, Module } from 'node:module';
import type DockerodeClass from 'dockerode';

const require = createRequire(import.meta.url);

/** Puts a stand-in for `request` (as `from` resolves it) into the CommonJS cache, unless it is loaded already. */
function defer(from: NodeJS.Require, request: string, standIn: (load: () => Record<string, unknown>) => object): void {
  let path: string;
  try {
    path = from.resolve(request);
  } catch {
    return;
  }
  if (from.cache[path]) return;
  const load = (): Record<string, unknown> => {
    if (from.cache[path] === stub) delete from.cache[path];
    return from(request) as Record<string, unknown>;
  };
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = standIn(load);
  from.cache[path] = stub;
}

/** A module object whose every property is read from the real module, loaded on the first read. */
const lazyNamespace = (load: () => Record<string, unknown>): object =>
  new Proxy({}, { get: (_, key) => load()[key as string], has: (_, key) => key in load() });

function loadDockerode(): typeof DockerodeClass {
  try {
    const fromDockerode = createRequire(require.resolve('dockerode'));
    // dockerode/lib/session.js: `require('@grpc/grpc-js')`, `require('@grpc/proto-loader')`, read
    // only inside withSession (BuildKit builds).
    defer(fromDockerode, '@grpc/grpc-js', lazyNamespace);
    defer(fromDockerode, '@grpc/proto-loader', lazyNamespace);
    // docker-modem/lib/ssh.js: `var Client = require('ssh2').Client` at load, `new Client()` per
    // ssh connection.
    const fromModem = createRequire(fromDockerode.resolve('docker-modem'));
    defer(fromModem, 'ssh2', (load) => ({
      Client: function Client(...args: unknown[]): object {
        const Real = load().Client as new (...a: unknown[]) => object;
        return new Real(...args);
      },
    }));
  } catch {
    // Not where it was expected: dockerode loads everything itself.
  }
  return require('dockerode') as typeof DockerodeClass;
}

export const Dockerode = loadDockerode();
