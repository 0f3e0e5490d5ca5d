import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, exec, tempDir, uniqueName, type Result } from '../support/integration/helpers.js';
import { buildTinyBuilder, RUN_FILE } from '../support/integration/tiny-builder.js';

/**
 * CI logs: the CLI run as a CI job runs it, stderr a pipe and no TJS2I_TIMESTAMPS (which the other
 * tests set to 0): every stderr line is timestamped and plain, stdout holds only the --json result.
 * On a pseudo-terminal, the output is as it comes, without times.
 */
const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)(?: (.*))?$/;
/** Control characters but the tab (the newline is the separator). */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** An assemble as pip and conda print in colour on a terminal: colours, a title, a bar redrawn with \r. */
const ASSEMBLE = [
  '#!/bin/sh',
  'set -eu',
  "printf '\\033[1;32m---> coloured step\\033[0m\\n'",
  "printf '\\033]0;a window title\\007titled line\\n'",
  'for p in 0 25 50 75 100; do printf "\\rprogress %3d%%" "$p"; done',
  "printf '\\n'",
  "printf 'unicode: caf\\303\\251 \\342\\234\\223\\n'",
  "printf 'bell\\007 and backspace\\010 gone\\n' >&2",
  "printf 'half a stdout line'; printf 'a stderr line amid it\\n' >&2; printf ', the rest of it\\n'",
  'cp -R /tmp/src/. /home/app/',
  'if [ -e /tmp/src/fail ]; then printf "about to fail\\n"; exit 3; fi',
  "printf 'no newline at the end'",
  '',
].join('\n');

/** Runs the CLI with stderr a pipe and no TJS2I_TIMESTAMPS from the test environment. */
function ciRun(args: string[]): Promise<Result> {
  return exec(process.execPath, [BIN, ...args], { env: { ...process.env, TJS2I_TIMESTAMPS: undefined } });
}

/** Each stderr line: timestamped, no control characters, times never going back. The texts. */
function ciLines(stderr: string): string[] {
  expect(stderr, 'stderr ends with a newline').to.match(/\n$/);
  const texts: string[] = [];
  let previous = '';
  for (const line of stderr.slice(0, -1).split('\n')) {
    const match = TIMESTAMPED.exec(line);
    expect(match, `timestamped: ${JSON.stringify(line)}`).to.not.equal(null);
    expect(line, `no control character: ${JSON.stringify(line)}`).not.to.match(CONTROL);
    const time = match![1]!;
    expect(Number.isNaN(Date.parse(time)), time).to.equal(false);
    expect(time >= previous, `${time} after ${previous}`).to.equal(true);
    previous = time;
    texts.push(match![2] ?? '');
  }
  return texts;
}

describe('CI logs (real engine, no terminal)', function () {
  this.timeout(300_000);
  let builder: string;
  const outputs: string[] = [];
  const dirs: { remove: () => Promise<void> }[] = [];

  async function course(fail = false, assemble = ASSEMBLE): Promise<string> {
    const dir = await tempDir('ci-logs');
    dirs.push(dir);
    await mkdir(join(dir.path, '.s2i', 'bin'), { recursive: true });
    await writeFile(join(dir.path, '.s2i', 'bin', 'assemble'), assemble);
    await chmod(join(dir.path, '.s2i', 'bin', 'assemble'), 0o755);
    await writeFile(join(dir.path, RUN_FILE), 'hello\n');
    if (fail) await writeFile(join(dir.path, 'fail'), '');
    return dir.path;
  }

  const output = () => {
    const name = uniqueName('ci-logs');
    outputs.push(name);
    return name;
  };

  before(async () => {
    builder = uniqueName('ci-tiny-builder');
    await buildTinyBuilder(builder);
  });

  after(async () => {
    await exec('docker', ['rmi', '-f', builder, ...outputs]);
    for (const dir of dirs) await dir.remove();
  });

  it('a build: every stderr line timestamped and plain, assemble output intact, one JSON line on stdout', async () => {
    const image = output();
    const result = await ciRun(['build', await course(), builder, image, '--copy', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const texts = ciLines(result.stderr);
    expect(texts).to.include.members([
      '---> coloured step',
      'titled line',
      'progress   0%',
      'progress 100%',
      'unicode: café ✓',
      'bell and backspace gone',
      // The engine keeps no order across a container's stdout and stderr: each is read as lines of its own.
      'half a stdout line, the rest of it',
      'a stderr line amid it',
      'no newline at the end',
    ]);
    expect(texts.some((t) => t.startsWith('==> assemble: '))).to.equal(true);
    expect(texts.indexOf('no newline at the end'), 'the last unterminated line comes before the step ends').to.be.lessThan(
      texts.findIndex((t) => t.startsWith('<== assemble done in ')),
    );
    expect(texts.some((t) => t.startsWith(`built ${image}`))).to.equal(true);
    const stdout = result.stdout.split('\n');
    expect(stdout, 'one line and its newline').to.have.length(2);
    expect(stdout[1]).to.equal('');
    const json = JSON.parse(stdout[0]!) as { ok: boolean; image: string };
    expect(json.ok).to.equal(true);
    expect([image, `${image}:latest`]).to.include(json.image);
  });

  it('a failing build: the assemble output and the error line timestamped, the JSON error on stdout', async () => {
    const result = await ciRun(['build', await course(true), builder, output(), '--copy', '--json']);
    expect(result.code).to.equal(1);
    const texts = ciLines(result.stderr);
    expect(texts).to.include('about to fail');
    expect(texts.indexOf('about to fail')).to.be.greaterThan(texts.findIndex((t) => t.startsWith('==> assemble: ')));
    expect(texts.at(-1)).to.match(/^error: assemble failed with exit code 3/);
    const json = JSON.parse(result.stdout) as { ok: boolean; exitCode: number };
    expect(result.stdout.trim().split('\n')).to.have.length(1);
    expect(json).to.include({ ok: false, exitCode: 1 });
  });

  it('--quiet: the last lines of output and the error, timestamped and plain', async () => {
    const result = await ciRun(['build', await course(true), builder, output(), '--copy', '--quiet']);
    expect(result.code).to.equal(1);
    const texts = ciLines(result.stderr);
    expect(texts[0]).to.equal('last lines of output:');
    expect(texts).to.include.members(['  ---> coloured step', '  about to fail']);
    expect(result.stdout).to.equal('');
  });

  it('Ctrl-C: the partial line of output, the interrupt notice and the error, timestamped and plain', async () => {
    const source = await course(false, '#!/bin/sh\necho "assemble is sleeping"\nprintf "partial line"\nsleep 120\n');
    const child = spawn(process.execPath, [BIN, 'build', source, builder, output(), '--copy'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TJS2I_TIMESTAMPS: undefined },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('assemble is sleeping') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // The partial line is another write, which may come in a later frame of the engine's stream.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    expect(await exited, stderr).to.equal(130);
    const texts = ciLines(stderr);
    expect(texts).to.include.members(['assemble is sleeping', 'partial line', 'interrupted: cleaning up (Ctrl-C again to quit at once)']);
    expect(texts.at(-1)).to.equal('error: interrupted');
  });

  it('a usage error is one timestamped line; --no-timestamps drops the time, TJS2I_TIMESTAMPS=0 too', async () => {
    const stamped = await ciRun(['build', 'only-a-source']);
    expect(stamped.code).to.equal(2);
    expect(ciLines(stamped.stderr)).to.have.length(1);
    const plain = await ciRun(['build', 'only-a-source', '--no-timestamps']);
    expect(plain.stderr).to.match(/^error: .*\(see tjs2i --help\)\n$/);
    const fromEnv = await exec(process.execPath, [BIN, 'build', 'only-a-source'], { env: { ...process.env, TJS2I_TIMESTAMPS: '0' } });
    expect(fromEnv.stderr).to.match(/^error: /);
  });

  it('on a terminal: output as it comes, colours included, and no times', async () => {
    // script(1) gives the CLI a pseudo-terminal as stdout and stderr, as an interactive shell would.
    const image = output();
    const command = `${process.execPath} ${BIN} build ${await course()} ${builder} ${image} --copy`;
    const result = await exec('script', ['-qec', command, '/dev/null'], { env: { ...process.env, TJS2I_TIMESTAMPS: undefined } });
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout).to.include('\x1b[1;32m---> coloured step\x1b[0m');
    expect(result.stdout).to.include('\rprogress 100%');
    const lines = result.stdout.split(/\r?\n/).filter(Boolean);
    expect(lines.some((l) => l.startsWith('==> assemble: '))).to.equal(true);
    expect(lines.filter((l) => TIMESTAMPED.test(l) || /^\d{4}-\d\d-\d\dT/.test(l))).to.deep.equal([]);
  });
});
