/**
 * `tjs2i run`, `preview` and `build --run` as a user starts them: the CLI spawned through an engine
 * recorder (so the containers it made are known), its output collected, Ctrl-C sent at the end.
 */
import { spawn } from 'node:child_process';
import { startEngineRecorder } from './engine-recorder.js';
import { BIN, cliEnv, exec } from './helpers.js';

/** A CLI run that serves until it is signalled, through an engine recorder (so its containers are known). */
export interface Serving {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line (that matches `pattern`, if given), or rejects if the CLI exits first. */
  firstLine(pattern?: RegExp): Promise<string>;
  /** Ctrl-C; resolves with the exit code. */
  interrupt(): Promise<number | null>;
  exited: Promise<number | null>;
  /** Containers this run asked the engine to create that still exist. */
  leftoverContainers(): Promise<string[]>;
  created: string[];
}

/** Every run served so far: their containers are removed by removeServedContainers() should a test fail. */
export const runs: { stop(): Promise<void>; created: string[] }[] = [];

/** `tjs2i ARGS`, serving. */
export function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  return serveCommand(process.execPath, [BIN, ...args], env);
}

/** A command that ends up serving (such as examples/preview.sh), with tjs2i's test environment. */
export async function serveCommand(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const recorder = await startEngineRecorder();
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv({ ...env, DOCKER_HOST: recorder.dockerHost }) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  runs.push({
    created: recorder.created,
    // A run a failed test left serving is interrupted as a user would, so it removes what it made.
    stop: async () => {
      if (code === undefined) {
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000).unref())]);
        if (code === undefined) child.kill('SIGKILL');
      }
      await recorder.stop();
    },
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    created: recorder.created,
    async firstLine(pattern?: RegExp) {
      for (;;) {
        const line = stdout
          .split('\n')
          .slice(0, -1)
          .find((l) => !pattern || pattern.test(l));
        if (line !== undefined) return line;
        if (code !== undefined) throw new Error(`${file} exited with ${code} before printing the line:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async interrupt() {
      child.kill('SIGINT');
      // A liveness guard, not a timing assertion: Ctrl-C must end the run.
      const result = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref())]);
      if (result === 'hung') {
        child.kill('SIGKILL');
        throw new Error(`tjs2i did not exit after Ctrl-C:\n${stderr}`);
      }
      return result;
    },
    async leftoverContainers() {
      const left: string[] = [];
      for (const name of recorder.created) if ((await exec('docker', ['container', 'inspect', name])).code === 0) left.push(name);
      return left;
    },
  };
}

/** Ends the runs served so far (Ctrl-C, for one a failed test left serving), then removes any container they left. */
export async function removeServedContainers(): Promise<void> {
  for (const run of runs.splice(0)) {
    await run.stop();
    const left = run.created.filter(Boolean);
    if (left.length) await exec('docker', ['rm', '-f', ...left]);
  }
}
