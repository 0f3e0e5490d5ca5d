/**
 * A pass-through proxy in front of the Docker engine that records which containers a client asked
 * to create. Pointing one CLI run at it (DOCKER_HOST=unix://...) tells exactly which containers
 * that run made, so "no container left behind" can be checked even while other test runs share
 * the engine. Together with a private TMPDIR, a run's leftovers are its own.
 */
import { readdir } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { engineAddress } from './engines.js';
import { exec, tempDir, tjs2i, type Result } from './helpers.js';

export interface EngineRecorder {
  /** DOCKER_HOST for the client. */
  dockerHost: string;
  /** Names of the containers clients asked to create, in order. */
  readonly created: string[];
  /** The `User` of every container create (or commit) body, as sent (a body split across chunks may count twice). */
  readonly users: string[];
  stop(): Promise<void>;
}

function upstream(): () => Socket {
  const address = engineAddress();
  return 'socketPath' in address ? () => connect(address.socketPath) : () => connect(address.port, address.host);
}

export async function startEngineRecorder(): Promise<EngineRecorder> {
  const dir = await tempDir('engine');
  const socketPath = join(dir.path, 'docker.sock');
  const open = upstream();
  const created: string[] = [];
  const users: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const engine = open();
    sockets.add(client).add(engine);
    // Request lines can straddle chunks: look at the end of the previous chunk as well.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      for (const match of text.matchAll(/POST \/(?:v[\d.]+\/)?containers\/create\?name=([\w.-]+)[ &]/g)) {
        const name = match[1] ?? '';
        if (!created.includes(name)) created.push(name);
      }
      // Only the part that is new: a match inside the tail was counted with the previous chunk.
      for (const match of text.matchAll(/"User":"([^"]*)"/g)) if (match.index + match[0].length > tail.length) users.push(match[1] ?? '');
      tail = text.slice(-300);
    });
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
      sockets.delete(client);
      sockets.delete(engine);
    };
    client.on('error', close).on('close', close);
    engine.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    created,
    users,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dir.remove();
    },
  };
}

export interface TrackedRun extends Result {
  /** Containers this run created that still exist. */
  leftoverContainers(): Promise<string[]>;
  /** What this run left in its private temporary directory. */
  leftoverTempFiles(): Promise<string[]>;
  /** Names of every container this run asked the engine to create. */
  created: string[];
  /** The `User` of each container it asked for. */
  users: string[];
}

/** Runs the CLI through an engine recorder, with a private TMPDIR, to check what it leaves behind. */
export async function tjs2iTracked(args: string[], env: NodeJS.ProcessEnv = {}): Promise<TrackedRun> {
  const recorder = await startEngineRecorder();
  const tmp = await tempDir('tmp');
  try {
    const result = await tjs2i(args, { ...env, DOCKER_HOST: recorder.dockerHost, TMPDIR: tmp.path });
    const created = [...recorder.created];
    const users = [...recorder.users];
    const remaining = await readdir(tmp.path);
    return {
      ...result,
      created,
      users,
      async leftoverContainers() {
        const left: string[] = [];
        for (const name of created) if ((await exec('docker', ['container', 'inspect', name])).code === 0) left.push(name);
        return left;
      },
      leftoverTempFiles: async () => remaining,
    };
  } finally {
    await recorder.stop();
    await tmp.remove();
  }
}
