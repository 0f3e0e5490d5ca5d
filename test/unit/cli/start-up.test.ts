/**
 * Start-up cost: the CLI loads a command's heavy modules only when that command runs. Each case runs
 * the real bin/tjs2i with the trace-loads preload and reads the list of modules it loaded; no engine
 * is needed (none of these commands reaches one).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'tjs2i');
const TRACE = join(ROOT, 'dist', 'test', 'support', 'trace-loads.js');

/** Packages a command that never talks to the engine or to git must not load. */
const HEAVY = ['dockerode', 'docker-modem', 'simple-git', 'ssh2', 'cpu-features', '@grpc/grpc-js', 'protobufjs', 'tar-stream'];

const BUNDLE_META = join(ROOT, 'dist', 'src', 'bundle', 'meta.json');

const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];

/** esbuild's metafile of the bundle bin/tjs2i loads: each chunk (relative to ROOT) and the files it holds. */
function bundleContents(): Map<string, string[]> {
  const meta = JSON.parse(readFileSync(BUNDLE_META, 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return new Map(Object.entries(meta.outputs).map(([chunk, { inputs }]) => [join(ROOT, chunk), Object.keys(inputs)]));
}

/** The packages loaded: from node_modules paths, and those bundled into each chunk of the bundle that was loaded. */
function packagesIn(paths: string[]): string[] {
  const chunks = bundleContents();
  const files = paths.flatMap((p) => {
    const path = p.startsWith('file://') ? fileURLToPath(p) : p;
    return [path, ...(chunks.get(path) ?? [])];
  });
  return [...new Set(files.map(packageOf).filter((p): p is string => p !== undefined))].sort();
}

interface Traced {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every module loaded: ES module URLs and CommonJS paths. */
  loaded: string[];
}

/** Runs a script (bin/tjs2i by default) under the trace-loads preload. */
async function traced(args: string[], script = BIN): Promise<Traced> {
  const dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-trace-'));
  try {
    const file = join(dir, 'loaded');
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', TRACE, script, ...args],
        { env: { ...process.env, TJS2I_TRACE_LOADS_FILE: file, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      ),
    );
    const loaded = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { ...run, loaded };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('start-up: what each command loads', function () {
  this.timeout(120_000);

  it('the trace sees the heavy packages when a command does load them (the check can fail)', async () => {
    // `usage` runs the builder's usage script: it needs the engine, so it loads dockerode (and fails
    // to reach the engine at the socket that does not exist).
    const run = await traced(['usage', 'some-builder']);
    expect(run.code, run.stderr).to.equal(3);
    expect(packagesIn(run.loaded)).to.include.members(['dockerode', 'docker-modem']);
  });

  it('bin/tjs2i runs the bundle, and the trace sees the packages bundled into the chunks it loaded', async () => {
    const run = await traced(['template', 'minimal-notebook', '--format', 'jupyterhub', '--image', 'registry.example.com/c:1']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.loaded.filter((p) => p.endsWith('/dist/src/bundle/main.js'))).to.have.length(1);
    expect(run.loaded.filter((p) => p.includes('/dist/src/cli/main.js'))).to.deep.equal([]);
    // yaml and yargs are bundled (no node_modules path of theirs is loaded), and still seen.
    expect(run.loaded.filter((p) => /node_modules\/(yaml|yargs)\//.test(p))).to.deep.equal([]);
    expect(packagesIn(run.loaded)).to.include.members(['yaml', 'yargs']);
  });

  const engineFree: [string, string[], number][] = [
    ['version', ['version'], 0],
    ['--version', ['--version'], 0],
    ['--help', ['--help'], 0],
    ['build --help', ['build', '--help'], 0],
    ['usage --help', ['usage', '--help'], 0],
    ['check --help', ['check', '--help'], 0],
    ['stacks', ['stacks'], 0],
    ['template', ['template', 'minimal-notebook'], 0],
    ['template --format jupyterhub', ['template', 'minimal-notebook', '--format', 'jupyterhub', '--image', 'registry.example.com/c:1'], 0],
    ['an argument error', ['build', 'only-a-source'], 2],
    ['an unknown command', ['no-such-command'], 2],
  ];
  for (const [what, args, code] of engineFree) {
    it(`${what} loads none of ${HEAVY.join(', ')}`, async () => {
      const run = await traced(args);
      expect(run.code, run.stderr).to.equal(code);
      expect(run.loaded.length, 'the trace recorded nothing').to.be.above(10);
      expect(
        packagesIn(run.loaded).filter((p) => HEAVY.includes(p)),
        `heavy packages ${what} loaded`,
      ).to.deep.equal([]);
    });
  }

  it('the engine loads dockerode without gRPC, protobuf or ssh2, and an ssh connection still gets the real ssh2 client', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-engine-'));
    try {
      const script = join(dir, 'engine.mjs');
      await writeFile(
        script,
        [
          `import { createRequire } from 'node:module';`,
          `import { createEngine } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'engine', 'engine.js'))};`,
          `createEngine({ dockerHost: 'unix:///nonexistent/docker.sock' });`,
          `const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});`,
          `const real = (name) => Object.keys(require.cache).filter((p) => p.includes('/node_modules/' + name + '/')).length;`,
          `const before = { ssh2: real('ssh2'), grpc: real('@grpc/grpc-js'), protobufjs: real('protobufjs') };`,
          // What docker-modem does for DOCKER_HOST=ssh://: `new Client()` from ssh2, then connects on the first request.
          `const fromModem = createRequire(require.resolve('docker-modem'));`,
          `const agent = fromModem('./ssh.js')({ host: '127.0.0.1', port: 1, username: 'nobody' });`,
          `const fromDockerode = createRequire(require.resolve('dockerode'));`,
          `const grpcServer = typeof fromDockerode('@grpc/grpc-js').Server;`,
          `console.log(JSON.stringify({ before, agent: typeof agent.createConnection, grpcServer, after: { ssh2: real('ssh2'), grpc: real('@grpc/grpc-js') } }));`,
        ].join('\n'),
      );
      const run = await traced([], script);
      expect(run.code, run.stderr).to.equal(0);
      const result = JSON.parse(run.stdout) as { before: Record<string, number>; agent: string; grpcServer: string; after: Record<string, number> };
      // One cache entry each: the stand-in, not the package's modules.
      expect(result.before).to.deep.equal({ ssh2: 1, grpc: 1, protobufjs: 0 });
      expect(packagesIn(run.loaded)).to.include('dockerode');
      expect(result.agent).to.equal('function');
      expect(result.grpcServer).to.equal('function');
      expect(result.after.ssh2, 'ssh2 loaded on first use').to.be.above(5);
      expect(result.after.grpc, 'gRPC loaded on first use').to.be.above(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
