/**
 * A real git server for the tests: `git daemon` on 127.0.0.1 serving bare repositories made from
 * directories of files, with branches and tags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, freePort, tempDir } from './helpers.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Ada Teacher',
  GIT_AUTHOR_EMAIL: 'ada@example.org',
  GIT_COMMITTER_NAME: 'Ada Teacher',
  GIT_COMMITTER_EMAIL: 'ada@example.org',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await exec('git', args, { cwd, env: GIT_ENV });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

export interface GitServer {
  url(repo: string): string;
  /** A work tree whose commits `publish` pushes to the bare repository of that name. */
  createRepo(name: string, files: Record<string, string | Buffer>): Promise<{ work: string; publish(): Promise<void> }>;
  /** A bare repository with no commits at all. */
  createEmptyRepo(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
  }
}

export async function startGitServer(): Promise<GitServer> {
  const root = await tempDir('git');
  const base = join(root.path, 'srv');
  await mkdir(base);
  const port = await freePort();
  const daemon: ChildProcess = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: (repo) => `git://127.0.0.1:${port}/${repo}`,
    async createRepo(name, files) {
      const work = join(root.path, 'work', name);
      await mkdir(work, { recursive: true });
      await git(work, 'init', '-q', '-b', 'main');
      await writeFiles(work, files);
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', `Initial course content\n\nWith a body line.`);
      return {
        work,
        async publish() {
          await cp(join(work, '.git'), join(base, name), { recursive: true });
          await git(join(base, name), 'config', 'core.bare', 'true');
        },
      };
    },
    async createEmptyRepo(name) {
      await mkdir(join(base, name));
      await git(join(base, name), 'init', '-q', '--bare');
    },
    async stop() {
      daemon.kill();
      await root.remove();
    },
  };
}
