/**
 * `tjs2i template <stack> --format jupyterhub`, driven as a user would (the real CLI, no engine): the
 * YAML on stdout (a terminal too: it holds no secret) or in a 0644 file, the result line of --json
 * with --output, and one error line with exit code 2 for each bad command line.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { templateDefinition } from '../../../src/deploy/template-definition.js';
import { offlineTjs2i } from '../../support/unit/offline-cli.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'tjs2i');
const IMAGE = 'registry.example.com/me/course:1';
const HUB = ['template', 'minimal-notebook', '--format', 'jupyterhub', '--image', IMAGE];

const tjs2i = offlineTjs2i;

const AUTHENTICATOR_LINE = "the chart's default authenticator lets anyone in: set hub.config.JupyterHub.authenticator_class before students get the address";
const METADATA_LINE = "only the chart's NetworkPolicy keeps students' code from the cloud's metadata server: check that the cluster enforces it";

describe('tjs2i template --format jupyterhub (the real CLI, no engine)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-hubvalues-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('prints the Helm values as YAML, and says on stderr that the authenticator must be set', async () => {
    const result = await tjs2i([...HUB, '--users', '300']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(templateDefinition({ stack: 'minimal-notebook', format: 'jupyterhub', image: IMAGE, users: 300 }).text);
    expect((load(result.stdout) as { singleuser: { image: object } }).singleuser.image).to.deep.equal({ name: 'registry.example.com/me/course', tag: '1' });
    expect(result.stderr.trim().split('\n')).to.deep.equal([AUTHENTICATOR_LINE, METADATA_LINE]);
    expect((await tjs2i([...HUB, '--quiet'])).stderr).to.equal('');
  });

  it('prints them onto a terminal too (no secret in them)', async () => {
    // script(1) gives the CLI a pseudo-terminal as stdout, as an interactive shell would.
    const command = `${process.execPath} ${BIN} ${HUB.join(' ')}`;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
      execFile('script', ['-qec', command, '/dev/null'], (error, stdout) => resolve({ code: error ? (error.code as number) : 0, stdout })),
    );
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout).to.include('cmd: null');
  });

  it('writes --output with mode 0644, names the file in the helm command, and gives the result line with --json', async () => {
    const file = join(dir, 'class.yaml');
    await writeFile(file, 'old');
    const result = await tjs2i([...HUB, '--users', '30', '--output', file, '--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ ok: true, format: 'jupyterhub', output: file });
    expect(result.stderr.trim().split('\n')).to.deep.equal([`wrote jupyterhub Helm values to ${file}`, AUTHENTICATOR_LINE, METADATA_LINE]);
    const text = await readFile(file, 'utf8');
    expect(text).to.include(`--values ${file}`).and.include('For 30 users at once');
    expect(((await stat(file)).mode & 0o777).toString(8)).to.equal('644');
    expect(await readdir(dir)).to.deep.equal(['class.yaml']);
  });

  for (const [args, line] of [
    [['--json'], 'error: --format jupyterhub prints Helm values in YAML; --json applies only with --output'],
    [['--host', 'hub.example.com'], 'error: --host is not for --format jupyterhub'],
    [['--name', 'course'], 'error: --name is not for --format jupyterhub'],
    [['--deployment-config'], 'error: --deployment-config is not for --format jupyterhub'],
    [['--builder'], 'error: --builder is for --format openshift'],
    [['--users', '0'], 'error: --users 0: not a class size; give the number of students, an integer from 1 to 100000'],
    [['--users', 'many'], 'error: --users NaN: not a class size'],
    [['--memory', '1 G'], 'error: --memory 1 G: not a Kubernetes quantity'],
  ] as const) {
    it(`refuses ${args.join(' ')}: one line, exit 2`, async () => {
      const result = await tjs2i([...HUB, ...args]);
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.include(line);
      if (args[0] === '--json') expect(JSON.parse(result.stdout)).to.deep.include({ ok: false });
      else expect(result.stdout).to.equal('');
    });
  }

  for (const [args, line] of [
    [['template', 'minimal-notebook', '--format', 'jupyterhub'], 'error: --format jupyterhub needs --image; build one with tjs2i build'],
    [['template', 'minimal-notebook', '--format', 'jupyterhub', '--image', 'Not/Valid'], 'error: --image Not/Valid: not an image reference'],
    [['template', 'minimal-notebook', '--users', '30'], 'error: --users is for --format jupyterhub'],
  ] as const) {
    it(`refuses ${args.slice(2).join(' ')}: one line, exit 2`, async () => {
      const result = await tjs2i([...args]);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.include(line);
    });
  }
});
