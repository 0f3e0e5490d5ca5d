/**
 * The CI examples (examples/ci/) must not rot: each file is parsed as YAML and checked for the keys
 * its system requires, and every tjs2i command line in them is parsed by the CLI's own yargs
 * definition (commands, positionals, options, checks), without running anything.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, loadAll } from 'js-yaml';
import yargs from 'yargs';
import { globalOptions } from '../../../src/cli/main.js';
import * as buildCommand from '../../../src/cli/commands/build.js';
import * as builderCommand from '../../../src/cli/commands/builder.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'ci');
const TJS2I_IMAGE = 'ghcr.io/OWNER/tjs2i:VERSION';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const read = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

/** Parses a tjs2i command line with the CLI's definition; the error message, or undefined. */
function parseError(args: string[]): string | undefined {
  let error: string | undefined;
  const noop = () => undefined;
  globalOptions(yargs(args))
    .command({ ...buildCommand, handler: noop })
    .command({ ...builderCommand, handler: noop })
    .demandCommand(1)
    .strict()
    .exitProcess(false)
    .help(false)
    .version(false)
    .fail((message, failure) => {
      error = message || failure?.message || 'failed';
    })
    .parseSync();
  return error;
}

/** Shell words of a command line: quotes removed, up to a redirection, pipe, `;`, `&&` or `)`. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (c: string) => (word = (word ?? '') + c);
  while (i < line.length) {
    const c = line[i]!;
    if (c === '#' && word === undefined) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote: ${line}`);
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let depth = 0;
      let text = '';
      while (j < line.length && (line[j] !== '"' || depth > 0)) {
        if (line.startsWith('$(', j)) depth++;
        else if (line[j] === ')' && depth > 0) depth--;
        if (line[j] === '\\' && j + 1 < line.length) j++;
        text += line[j];
        j++;
      }
      add(text);
      i = j + 1;
    } else if (c === '$' && line[i + 1] === '(') {
      // A substitution as part of a word (Tekton's $(params.x) too): kept as it is.
      const end = line.indexOf(')', i);
      if (end < 0) throw new Error(`unterminated $(: ${line}`);
      add(line.slice(i, end + 1));
      i = end + 1;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if ('<>|;&)'.includes(c)) {
      break;
    } else {
      add(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Every tjs2i invocation in a shell script: `tjs2i ...`, or the arguments of `docker run ... IMAGE ...`. */
function tjs2iCommands(script: string): string[][] {
  const commands: string[][] = [];
  for (const line of script.replace(/\\\n\s*/g, ' ').split('\n')) {
    const words = shellWords(line.trim());
    const at = words.findIndex((w, i) => (w === 'tjs2i' && (i === 0 || words[i - 1] === 'exec')) || w === '$TJS2I_IMAGE' || w === TJS2I_IMAGE);
    if (at >= 0 && (words[at] === 'tjs2i' || words[0] === 'docker')) commands.push(words.slice(at + 1));
  }
  return commands;
}

function expectValidCommands(commands: string[][], expected: number): void {
  expect(commands, 'tjs2i command lines found').to.have.length(expected);
  for (const args of commands) expect(parseError(args), args.join(' ')).to.equal(undefined);
}

describe('CI examples (examples/ci)', () => {
  describe('the check of command lines', () => {
    it('finds wrong command lines (the check can fail)', () => {
      expect(parseError(['build', 'src', 'builder', 'out', '--no-such-option'])).to.match(/Unknown argument/);
      expect(parseError(['build', 'src']), 'no builder').to.be.a('string');
      expect(parseError(['buidl', 'src', 'builder', 'out']), 'a misspelt command').to.be.a('string');
      expect(parseError(['build', 'src', 'builder'])).to.match(/--as-dockerfile/);
      expect(parseError(['build', 'src', 'builder', '--as-dockerfile', 'ctx/Dockerfile', '--run'])).to.match(/--run/);
      expect(parseError(['build', 'src', 'builder', 'out', '--ref', 'main', '--json', '--timestamps'])).to.equal(undefined);
    });

    it('reads shell lines as a shell does: quotes, continuations, redirections, docker run', () => {
      expect(tjs2iCommands('tjs2i build "$URL" b "$IMG" --json > out.json')).to.deep.equal([['build', '$URL', 'b', '$IMG', '--json']]);
      expect(tjs2iCommands(`docker run --rm \\\n  -e X \\\n  "$TJS2I_IMAGE" \\\n  build 'a b' c d`)).to.deep.equal([['build', 'a b', 'c', 'd']]);
      expect(tjs2iCommands('tjs2i build "$(params.url)" x y --ref "$(params.revision)"')).to.deep.equal([['build', '$(params.url)', 'x', 'y', '--ref', '$(params.revision)']]);
      expect(tjs2iCommands("echo tjs2i build\nmkdir -p /kaniko/.docker\n# tjs2i's comment")).to.deep.equal([]);
    });
  });

  describe('GitLab CI (gitlab-ci.yml)', () => {
    const doc = load(read('gitlab-ci.yml')) as Obj;
    const reserved = new Set(['stages', 'variables', 'default', 'include', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script']);
    const jobs = Object.entries(doc).filter(([name]) => !reserved.has(name) && !name.startsWith('.')) as [string, Obj][];

    it('every job has a declared stage and a script; needs name jobs', () => {
      expect(jobs.length).to.be.greaterThan(2);
      for (const [name, job] of jobs) {
        expect(doc.stages, name).to.include(job.stage);
        expect(job.script, name).to.be.an('array').with.length.above(0);
        for (const line of job.script) expect(line, name).to.be.a('string');
        for (const need of job.needs ?? []) expect(jobs.map(([n]) => n), name).to.include(need);
      }
    });

    it('the tjs2i image runs with an empty entrypoint (its own is tjs2i, the job needs a shell)', () => {
      const tjs2iJobs = jobs.filter(([, job]) => job.image?.name === '$TJS2I_IMAGE');
      expect(tjs2iJobs).to.have.length(2);
      for (const [name, job] of tjs2iJobs) expect(job.image.entrypoint, name).to.deep.equal(['']);
      expect(doc.variables.TJS2I_IMAGE).to.equal(TJS2I_IMAGE);
    });

    it('the engine is a docker:dind service reached over TLS at DOCKER_HOST', () => {
      const [, job] = jobs.find(([, j]) => j.services)!;
      expect(job.services[0].name).to.match(/^docker:.*dind$/);
      expect(job.services[0].alias).to.equal('docker');
      expect(job.variables).to.include({ DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_CERTDIR: '/certs', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs/client' });
      const dotenv = job.artifacts.reports.dotenv as string;
      expect(job.script.some((l: string) => l.includes(`> ${dotenv}`)), 'the dotenv report is written').to.equal(true);
    });

    it('the socket alternative gives the non-root tjs2i user the socket\'s group', () => {
      const text = read('gitlab-ci.yml');
      expect(text).to.include('/var/run/docker.sock:/var/run/docker.sock');
      expect(text).to.match(/group_add = \["<gid of \/var\/run\/docker\.sock/);
    });

    it('kaniko builds the --as-dockerfile context another job wrote', () => {
      const [, writer] = jobs.find(([, j]) => j.script.some((l: string) => l.includes('--as-dockerfile ctx/Dockerfile')))!;
      expect(writer.artifacts.paths).to.include('ctx/');
      const [, kaniko] = jobs.find(([, j]) => String(j.image?.name).includes('kaniko'))!;
      expect(kaniko.image.entrypoint).to.deep.equal(['']);
      expect(kaniko.script.join('\n')).to.include('--context "$CI_PROJECT_DIR/ctx" --dockerfile "$CI_PROJECT_DIR/ctx/Dockerfile"');
    });

    it('every tjs2i command line parses', () => {
      expectValidCommands(jobs.flatMap(([, job]) => tjs2iCommands(job.script.join('\n'))), 3);
    });
  });

  describe('GitHub Actions (github-actions.yml)', () => {
    const doc = load(read('github-actions.yml')) as Obj;
    const jobs = Object.entries(doc.jobs as Obj) as [string, Obj][];

    it('has triggers, and every job a runner and steps that either run or use', () => {
      expect(doc.on ?? doc.true).to.be.an('object');
      for (const [name, job] of jobs) {
        expect(job['runs-on'], name).to.be.a('string');
        expect(job.steps, name).to.be.an('array').with.length.above(0);
        for (const step of job.steps) expect(Boolean(step.run) !== Boolean(step.uses), `${name}: run or uses`).to.equal(true);
        for (const need of [job.needs ?? []].flat()) expect(Object.keys(doc.jobs), name).to.include(need);
      }
    });

    it('job outputs come from a step that writes them to GITHUB_OUTPUT', () => {
      for (const [name, job] of jobs) {
        for (const [output, expression] of Object.entries((job.outputs ?? {}) as Record<string, string>)) {
          const [, id, key] = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(expression)!;
          const step = job.steps.find((s: Obj) => s.id === id);
          expect(step, `${name}.${output}`).to.be.an('object');
          expect(step.run, `${name}.${output}`).to.match(new RegExp(`echo "${key}=.*>> "\\$GITHUB_OUTPUT"`));
        }
      }
    });

    it('the engine job mounts the socket with its group; the other one has no socket and runs buildah', () => {
      const runs = (job: Obj) => job.steps.map((s: Obj) => s.run ?? '').join('\n');
      expect(runs(doc.jobs['with-engine'])).to.include('-v /var/run/docker.sock:/var/run/docker.sock').and.include('--group-add "$(stat -c %g /var/run/docker.sock)"');
      expect(runs(doc.jobs['no-engine'])).not.to.include('docker.sock');
      expect(runs(doc.jobs['no-engine'])).to.include('buildah build --file "$RUNNER_TEMP/ctx/Dockerfile"');
      expect(doc.env.TJS2I_IMAGE).to.equal(TJS2I_IMAGE);
    });

    it('secrets reach steps through env or with:, never expanded into a run script (written to disk)', () => {
      const steps = jobs.flatMap(([, job]) => job.steps as Obj[]);
      expect(JSON.stringify(steps)).to.include('secrets.GITHUB_TOKEN');
      for (const step of steps) expect(step.run ?? '', step.name).not.to.include('secrets.');
    });

    it('every tjs2i command line parses', () => {
      expectValidCommands(jobs.flatMap(([, job]) => job.steps.flatMap((s: Obj) => (s.run ? tjs2iCommands(s.run) : []))), 2);
    });
  });

  describe('Tekton (tekton/)', () => {
    const tasks = ['tjs2i-build-task.yaml', 'tjs2i-kaniko-task.yaml'].map((f) => load(read(join('tekton', f))) as Obj);
    const runs = loadAll(read(join('tekton', 'taskruns.yaml'))) as Obj[];

    it('Tasks are tekton.dev/v1 with named steps, each an image and either a script or args', () => {
      for (const task of tasks) {
        expect(task).to.include({ apiVersion: 'tekton.dev/v1', kind: 'Task' });
        const names = task.spec.steps.map((s: Obj) => s.name);
        expect(new Set(names).size, task.metadata.name).to.equal(names.length);
        for (const step of task.spec.steps) {
          expect(step.image, step.name).to.be.a('string');
          expect(step.script === undefined || step.command === undefined, `${step.name}: script and command exclude each other`).to.equal(true);
        }
      }
    });

    it('every $(params.x), $(results.x.path), $(workspaces.x.path) and volume is declared', () => {
      for (const task of tasks) {
        const text = JSON.stringify(task.spec.steps) + JSON.stringify(task.spec.sidecars ?? []);
        const declared = (list: Obj[] | undefined) => (list ?? []).map((x) => x.name);
        for (const [, name] of text.matchAll(/\$\(params\.([\w-]+)\)/g)) expect(declared(task.spec.params), `param ${name}`).to.include(name);
        for (const [, name] of text.matchAll(/\$\(results\.([\w-]+)\.path\)/g)) expect(declared(task.spec.results), `result ${name}`).to.include(name);
        for (const [, name] of text.matchAll(/\$\(workspaces\.([\w-]+)\.path\)/g)) expect(declared(task.spec.workspaces), `workspace ${name}`).to.include(name);
        for (const container of [...task.spec.steps, ...(task.spec.sidecars ?? [])]) {
          for (const mount of container.volumeMounts ?? []) expect(declared(task.spec.volumes), mount.name).to.include(mount.name);
        }
        for (const result of task.spec.results ?? []) expect(text, `result ${result.name} is written`).to.include(`$(results.${result.name}.path)`);
      }
    });

    it('the engine Task has a privileged docker:dind sidecar and the step its TLS endpoint', () => {
      const task = tasks.find((t) => t.spec.sidecars)!;
      const sidecar = task.spec.sidecars[0];
      expect(sidecar.image).to.match(/^docker:.*dind$/);
      expect(sidecar.securityContext.privileged).to.equal(true);
      const env = Object.fromEntries(task.spec.steps[0].env.map((e: Obj) => [e.name, e.value]));
      expect(env).to.include({ DOCKER_HOST: 'tcp://localhost:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs/client' });
      // Ready when dockerd listens on the port the step uses, not when a file exists (the
      // certificates are written before dockerd starts, and tjs2i does not retry).
      expect(sidecar.readinessProbe.tcpSocket.port).to.equal(Number(new URL(env.DOCKER_HOST as string).port));
    });

    it('the TaskRuns name a Task, give its required params and bind its workspaces', () => {
      expect(runs).to.have.length(2);
      for (const run of runs) {
        expect(run).to.include({ apiVersion: 'tekton.dev/v1', kind: 'TaskRun' });
        const task = tasks.find((t) => t.metadata.name === run.spec.taskRef.name)!;
        expect(task, run.spec.taskRef.name).to.be.an('object');
        const given = run.spec.params.map((p: Obj) => p.name);
        for (const param of task.spec.params) if (param.default === undefined) expect(given, param.name).to.include(param.name);
        for (const name of given) expect(task.spec.params.map((p: Obj) => p.name)).to.include(name);
        const bound = run.spec.workspaces.map((w: Obj) => w.name);
        for (const ws of task.spec.workspaces) if (!ws.optional) expect(bound, ws.name).to.include(ws.name);
      }
    });

    it('every tjs2i command line parses (scripts, and args of the tjs2i image)', () => {
      const commands = tasks.flatMap((task) =>
        task.spec.steps.flatMap((step: Obj) => [
          ...(step.script ? tjs2iCommands(step.script) : []),
          ...(step.image === TJS2I_IMAGE && step.args ? [step.args as string[]] : []),
        ]),
      );
      expectValidCommands(commands, 2);
    });
  });
});
