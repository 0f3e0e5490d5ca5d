import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type BuildOptions } from '../../../src/build/build.js';
import { environmentDigest } from '../../../src/build/fingerprint.js';
import { tjs2iVersion } from '../../../src/common/version.js';
import type { CommitSpec, ContainerSpec } from '../../../src/engine/container-client.js';
import { BuildFailedError, EngineResultError, ImageNotFoundError, InterruptedError, UsageError, UserNotAllowedError } from '../../../src/common/errors.js';
import type { EngineIdentity } from '../../../src/engine/engine-identity.js';
import { createLogger } from '../../../src/common/log.js';
import { FakeEngine } from '../../support/unit/fake-engine.js';
import { imageInfo } from '../../support/unit/fake-images.js';
import { rejectionOf, tempDir } from '../../support/unit/helpers.js';

const BUILDER = 'tjs2i-test/builder:latest';
const BUILDER_LABELS = {
  'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i',
  'io.openshift.expose-services': '8888:http',
  'io.k8s.display-name': 'Test builder',
};
const SOURCE_FILES: Record<string, string> = {
  'notebook.ipynb': '{"cells": []}\n',
  'requirements.txt': 'numpy\n',
  'lib/helper.py': 'print("hi")\n',
};

const silent = createLogger({ write: () => {} });

function newEngine(builder: Partial<Parameters<typeof imageInfo>[0]> = {}): FakeEngine {
  const engine = new FakeEngine();
  engine.images.local.set(
    BUILDER,
    imageInfo({ id: 'sha256:builderid', user: '1000', entrypoint: ['tini', '-g', '--'], labels: { ...BUILDER_LABELS }, ...builder }),
  );
  return engine;
}

describe('build (fake engine)', () => {
  let srcDir: string;
  let removeSrc: () => Promise<void>;
  let options: BuildOptions;

  before(async () => {
    ({ dir: srcDir, remove: removeSrc } = await tempDir());
    for (const [name, content] of Object.entries(SOURCE_FILES)) {
      await mkdir(join(srcDir, name, '..'), { recursive: true });
      await writeFile(join(srcDir, name), content);
    }
    options = { source: { location: srcDir }, builder: BUILDER, output: 'my-course:v1' };
  });

  after(() => removeSrc());

  describe('success', () => {
    let engine: FakeEngine;
    let result: Awaited<ReturnType<typeof build>>;
    const controller = new AbortController();

    before(async () => {
      engine = newEngine();
      result = await build(engine, options, silent, controller.signal);
    });

    it('calls the engine in order', () => {
      expect(engine.methods()).to.deep.equal([
        'inspectImage',
        'createContainer',
        'putArchive',
        'run',
        'readFile',
        'commit',
        // The container goes as soon as it is committed, while the image is checked and tagged.
        'removeContainer',
        'inspectImage',
        'tagImage',
      ]);
      expect(engine.calls[0]?.args[0]).to.equal(BUILDER);
      expect(engine.calls[4]?.args.slice(0, 2)).to.deep.equal([engine.containers.containerId, '/tmp/.s2i/image_metadata.json']);
      // The committed image is checked before it is tagged.
      expect(engine.calls[7]?.args[0]).to.equal(engine.containers.committedId);
      expect(engine.calls[8]?.args).to.deep.equal([engine.containers.committedId, 'my-course', 'v1']);
    });

    it('passes the abort signal to every engine call before the commit, and not to the commit', () => {
      const beforeCommit = engine.calls.slice(0, engine.methods().indexOf('commit'));
      expect(beforeCommit).to.have.length(5);
      for (const call of beforeCommit) {
        expect(call.args[call.args.length - 1], call.method).to.equal(controller.signal);
      }
      expect(engine.calls[5]?.args[2]).to.equal(undefined);
    });

    it('creates the container from the builder id as its numeric user, with /usr/bin/env and assemble', () => {
      const spec = engine.calls[1]?.args[0] as ContainerSpec;
      expect(spec).to.deep.include({
        image: 'sha256:builderid',
        user: '1000',
        entrypoint: ['/usr/bin/env'],
        cmd: ['/usr/libexec/s2i/assemble'],
      });
      expect(spec.name).to.match(/^tjs2i-build-[0-9a-f]{12}$/);
    });

    it('uploads the source under src/ in the destination, owned by uid 1000 gid 0', () => {
      expect(engine.archives.uploads).to.have.length(1);
      const upload = engine.archives.uploads[0]!;
      expect(upload.containerId).to.equal(engine.containers.containerId);
      expect(upload.path).to.equal('/tmp');
      expect(upload.entries[0]?.name).to.equal('src/');
      for (const e of upload.entries) {
        expect(e.name.startsWith('src/'), e.name).to.equal(true);
        expect([e.name, e.uid, e.gid]).to.deep.equal([e.name, 1000, 0]);
      }
      const files = Object.fromEntries(upload.entries.filter((e) => e.type === 'file').map((e) => [e.name, e.data.toString('utf8')]));
      expect(files).to.deep.equal(Object.fromEntries(Object.entries(SOURCE_FILES).map(([n, c]) => [`src/${n}`, c])));
      expect(upload.entries.map((e) => e.name)).to.include('src/lib/');
    });

    it('runs assemble in the created container', () => {
      expect(engine.calls[3]?.args[0]).to.equal(engine.containers.containerId);
    });

    it('commits with the run script, the numeric user, the builder entrypoint and the labels', () => {
      expect(engine.calls[5]?.args[0]).to.equal(engine.containers.containerId);
      const spec = engine.calls[5]?.args[1] as CommitSpec;
      expect(spec).to.deep.equal({
        cmd: ['/usr/libexec/s2i/run'],
        user: '1000',
        entrypoint: ['tini', '-g', '--'],
        labels: {
          ...BUILDER_LABELS,
          'io.openshift.s2i.build.image': BUILDER,
          'io.openshift.s2i.build.source-location': srcDir,
          // What it was built from; a directory used as it is gets no fingerprint.
          'io.tjs2i.build.builder-id': 'sha256:builderid',
          'io.tjs2i.build.environment-digest': environmentDigest([]),
          'io.tjs2i.build.fingerprint': '',
          'io.tjs2i.build.scripts': 'assemble=image:/usr/libexec/s2i/assemble run=image:/usr/libexec/s2i/run',
          'io.tjs2i.build.source-key': '',
          'io.tjs2i.build.tjs2i-version': tjs2iVersion(),
        },
      });
    });

    it('removes the build container', () => {
      expect(engine.calls.find((c) => c.method === 'removeContainer')?.args).to.deep.equal([engine.containers.containerId]);
    });

    it('returns the image, its id, size and labels', () => {
      expect(result.image).to.equal('my-course:v1');
      expect(result.imageId).to.equal(engine.containers.committedId);
      expect(result.size).to.equal(4242);
      expect(result.labels).to.deep.equal(engine.containers.commits[0]?.labels);
      expect(result.durationMs).to.be.a('number').and.at.least(0);
    });
  });

  it('commits an empty entrypoint when the builder has none, and tags latest by default', async () => {
    const engine = newEngine({ entrypoint: null });
    const result = await build(engine, { ...options, output: 'my-course' }, silent);
    expect(engine.containers.commits[0]?.entrypoint).to.deep.equal([]);
    expect(engine.images.tags[0]).to.deep.include({ repository: 'my-course', tag: 'latest' });
    expect(result.image).to.equal('my-course:latest');
  });

  it('drops build labels the builder carries from a build of its own', async () => {
    const engine = newEngine({
      labels: { ...BUILDER_LABELS, 'io.openshift.s2i.build.commit.id': 'stale', 'io.openshift.s2i.build.source-context-dir': 'old' },
    });
    await build(engine, options, silent);
    const labels = engine.containers.commits[0]?.labels ?? {};
    // Blanked, not left out: the engine would otherwise copy them from the build container.
    expect(labels['io.openshift.s2i.build.commit.id']).to.equal('');
    expect(labels['io.openshift.s2i.build.source-context-dir']).to.equal('');
    expect(labels['io.openshift.s2i.build.source-location']).to.equal(srcDir);
    expect(labels['io.k8s.display-name']).to.equal('Test builder');
  });

  it("uploads to the builder's destination label", async () => {
    const engine = newEngine({ labels: { ...BUILDER_LABELS, 'io.openshift.s2i.destination': '/opt/app-root' } });
    await build(engine, options, silent);
    expect(engine.archives.uploads[0]?.path).to.equal('/opt/app-root');
  });

  it('uploads and runs an assemble script from the source', async () => {
    const { dir, remove } = await tempDir();
    try {
      await mkdir(join(dir, '.s2i', 'bin'), { recursive: true });
      await writeFile(join(dir, '.s2i', 'bin', 'assemble'), '#!/bin/sh\necho custom\n');
      await chmod(join(dir, '.s2i', 'bin', 'assemble'), 0o644);
      await writeFile(join(dir, 'nb.ipynb'), '{}');
      const engine = newEngine();
      await build(engine, { ...options, source: { location: dir } }, silent);
      expect(engine.containers.created[0]?.cmd).to.deep.equal(['/tmp/scripts/assemble']);
      expect(engine.containers.commits[0]?.cmd).to.deep.equal(['/usr/libexec/s2i/run']);
      const entries = engine.archives.uploads[0]!.entries;
      const script = entries.find((e) => e.name === 'scripts/assemble');
      expect(script?.data.toString()).to.equal('#!/bin/sh\necho custom\n');
      expect([script?.mode, script?.uid, script?.gid]).to.deep.equal([0o755, 1000, 0]);
      expect(entries.find((e) => e.name === 'scripts/')?.type).to.equal('directory');
      expect(entries.some((e) => e.name === 'src/.s2i/bin/assemble')).to.equal(true);
    } finally {
      await remove();
    }
  });

  describe('before a container exists', () => {
    it('rejects an invalid output name without calling the engine', async () => {
      const engine = newEngine();
      const error = await rejectionOf(build(engine, { ...options, output: 'My Course' }, silent));
      expect(error).to.be.instanceOf(UsageError);
      expect(engine.calls).to.deep.equal([]);
    });

    it('stops with exit code 5 for a builder with a named USER, creating no container', async () => {
      const engine = newEngine({ user: 'jovyan' });
      const error = await rejectionOf(build(engine, options, silent));
      expect(error).to.be.instanceOf(UserNotAllowedError);
      expect((error as UserNotAllowedError).exitCode).to.equal(5);
      expect(engine.methods()).to.deep.equal(['inspectImage']);
    });

    it('stops with exit code 5 for a root builder', async () => {
      const engine = newEngine({ user: '0:0' });
      const error = await rejectionOf(build(engine, options, silent));
      expect((error as UserNotAllowedError).exitCode).to.equal(5);
      expect(engine.methods()).to.deep.equal(['inspectImage']);
    });

    it('stops with exit code 4 for a missing builder that cannot be pulled', async () => {
      const engine = new FakeEngine();
      const error = await rejectionOf(build(engine, options, silent));
      expect(error).to.be.instanceOf(ImageNotFoundError);
      expect((error as ImageNotFoundError).exitCode).to.equal(4);
      expect(engine.methods()).to.deep.equal(['inspectImage', 'pullImage']);
    });

    it('does not pull a missing builder under --pull-policy never', async () => {
      const engine = new FakeEngine();
      const error = await rejectionOf(build(engine, { ...options, pullPolicy: 'never' }, silent));
      expect((error as ImageNotFoundError).exitCode).to.equal(4);
      expect(engine.methods()).to.deep.equal(['inspectImage']);
    });

    it('stops with a UsageError when there is no assemble script anywhere', async () => {
      const engine = newEngine({ labels: {} });
      const error = await rejectionOf(build(engine, options, silent));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.include('no assemble script found');
      expect(engine.methods()).to.deep.equal(['inspectImage']);
    });

    it('stops with InterruptedError when aborted before the build starts', async () => {
      const engine = newEngine();
      const controller = new AbortController();
      controller.abort();
      const error = await rejectionOf(build(engine, options, silent, controller.signal));
      expect(error).to.be.instanceOf(InterruptedError);
      expect(engine.methods()).not.to.include('createContainer');
    });

    it('removes the container by name when creating it fails (the engine may have made it)', async () => {
      const engine = newEngine();
      const original = new BuildFailedError('create a container from x failed: no space');
      engine.containers.createContainer = async (spec: ContainerSpec) => {
        engine.calls.push({ method: 'createContainer', args: [spec] });
        throw original;
      };
      const error = await rejectionOf(build(engine, options, silent));
      expect(error).to.equal(original);
      expect(engine.methods()).to.deep.equal(['inspectImage', 'createContainer', 'removeContainer']);
      const name = (engine.calls[1]?.args[0] as ContainerSpec).name;
      expect(engine.calls[2]?.args).to.deep.equal([name]);
    });

    it('removes the new image and moves no tag when interrupted during the commit', async () => {
      const engine = newEngine();
      const controller = new AbortController();
      const commit = engine.containers.commitImpl;
      engine.containers.commitImpl = async (id, spec) => {
        controller.abort();
        return commit(id, spec);
      };
      const error = await rejectionOf(build(engine, options, silent, controller.signal));
      expect(error).to.be.instanceOf(InterruptedError);
      expect(engine.images.tags).to.deep.equal([]);
      expect(engine.images.removedImages).to.deep.equal([engine.containers.committedId]);
      const afterCommit = engine.methods().slice(engine.methods().indexOf('commit') + 1);
      expect(afterCommit.sort()).to.deep.equal(['removeContainer', 'removeImage']);
    });
  });

  describe('an engine whose commit ignores its configuration (Podman < 4.8 through its Docker API)', () => {
    async function failedBuild(identity?: EngineIdentity) {
      const engine = newEngine();
      engine.containers.ignoresCommitConfig = true;
      if (identity) engine.identity = identity;
      const out: string[] = [];
      const error = await rejectionOf(build(engine, options, createLogger({ write: (t) => void out.push(t) })));
      return { engine, error, out: out.join('') };
    }

    it('fails with exit 1 and one line naming the fields not applied; the image is removed untagged, the container too', async () => {
      const { engine, error } = await failedBuild();
      expect(error).to.be.instanceOf(EngineResultError);
      const e = error as EngineResultError;
      expect(e.exitCode).to.equal(1);
      expect(e.message).to.equal(
        'Docker 20.10.24\'s commit API ignored the configuration it was sent: Cmd is ["/usr/libexec/s2i/assemble"], not ["/usr/libexec/s2i/run"]; ' +
          'Entrypoint is ["/usr/bin/env"], not ["tini","-g","--"]; label io.openshift.s2i.build.image is none, not "tjs2i-test/builder:latest"; and 5 more; ' +
          'my-course:v1 was not written (its tag did not move)',
      );
      expect(e.message).to.not.include('\n');
      expect(e.hint).to.equal(
        "the engine at unix:///fake/docker.sock did not apply the commit's configuration: report it with the output of tjs2i version --json",
      );
      expect(engine.images.tags).to.deep.equal([]);
      expect(engine.images.removedImages).to.deep.equal([engine.containers.committedId]);
      expect(engine.images.local.has(engine.containers.committedId)).to.equal(false);
      expect(engine.methods().slice(-4)).to.deep.equal(['commit', 'removeContainer', 'inspectImage', 'removeImage']);
      expect(engine.calls.at(-3)?.args).to.deep.equal([engine.containers.containerId]);
      expect(engine.methods().filter((m) => m === 'removeContainer')).to.have.length(1);
    });

    it('on Podman, the hint says neither the configuration nor the changes took', async () => {
      const { error } = await failedBuild({ kind: 'podman', name: 'Podman', version: '4.3.1', apiVersion: '1.41', os: 'linux', arch: 'amd64', platform: '' });
      expect((error as EngineResultError).message).to.match(/^Podman 4\.3\.1's commit API ignored the configuration it was sent: Cmd is /);
      expect((error as EngineResultError).hint).to.equal(
        "the engine at unix:///fake/docker.sock did not apply the commit's configuration and its changes: report it with the output of tjs2i version --json",
      );
    });

    it('says "the engine" when it does not say which it is, and names a single field not applied', async () => {
      const engine = newEngine();
      engine.identity = new Error('no answer');
      const commit = engine.containers.commitImpl;
      engine.containers.commitImpl = async (id, spec) => commit(id, { ...spec, user: '0' }); // only User dropped
      const error = (await rejectionOf(build(engine, options, silent))) as EngineResultError;
      expect(error.message).to.equal(
        'the engine\'s commit API ignored the configuration it was sent: User is "0", not "1000"; my-course:v1 was not written (its tag did not move)',
      );
      expect(engine.images.tags).to.deep.equal([]);
    });

    it('an image the engine does not have after answering the commit fails the same way', async () => {
      const engine = newEngine();
      engine.containers.commitImpl = async () => engine.containers.committedId; // nothing stored
      const error = (await rejectionOf(build(engine, options, silent))) as EngineResultError;
      expect(error).to.be.instanceOf(EngineResultError);
      expect(error.message).to.equal(
        'Docker 20.10.24 answered the commit with image output, which it does not have; my-course:v1 was not written (its tag did not move)',
      );
      expect(engine.images.tags).to.deep.equal([]);
    });
  });

  describe('failures after the container was created', () => {
    interface Case {
      name: string;
      setup: (engine: FakeEngine, controller: AbortController) => unknown;
      /** Checks the error; the original error when setup returned one. */
      check: (error: unknown, original: unknown) => void;
      commitCalled: boolean;
      lastBeforeRemove: string;
    }

    const LINES = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);

    const cases: Case[] = [
      {
        name: 'putArchive rejects',
        setup: (engine) => {
          const original = new BuildFailedError('upload the source failed: connection reset');
          engine.archives.putArchiveImpl = async () => {
            throw original;
          };
          return original;
        },
        check: (error, original) => expect(error).to.equal(original),
        commitCalled: false,
        lastBeforeRemove: 'putArchive',
      },
      {
        name: 'assemble exits with code 3',
        setup: (engine) => {
          engine.containers.runImpl = async (_id, onOutput) => {
            // A line cut between two chunks of one stream, and lines of the other stream.
            onOutput(Buffer.from(`${LINES.slice(0, 7).join('\n')}\nline `), 'stdout');
            onOutput(Buffer.from(`8\n`), 'stdout');
            onOutput(Buffer.from(`${LINES.slice(8).join('\n')}\n`), 'stderr');
            return 3;
          };
          return undefined;
        },
        check: (error) => {
          expect(error).to.be.instanceOf(BuildFailedError);
          const e = error as BuildFailedError;
          expect(e.exitCode).to.equal(1);
          expect(e.message).to.include('exit code 3');
          expect(e.message).to.include('my-course:v1 was not written');
          expect(e.lastLines).to.deep.equal(LINES.slice(-15));
        },
        commitCalled: false,
        lastBeforeRemove: 'run',
      },
      {
        name: 'commit rejects',
        setup: (engine) => {
          const original = new BuildFailedError('commit my-course:v1 failed: no space left on device');
          engine.containers.commitImpl = async () => {
            throw original;
          };
          return original;
        },
        check: (error, original) => expect(error).to.equal(original),
        commitCalled: true,
        lastBeforeRemove: 'commit',
      },
      {
        name: 'the signal fires during run (run resolves)',
        setup: (engine, controller) => {
          engine.containers.runImpl = async () => {
            controller.abort();
            return 137;
          };
          return undefined;
        },
        check: (error) => {
          expect(error).to.be.instanceOf(InterruptedError);
          expect((error as InterruptedError).exitCode).to.equal(130);
        },
        commitCalled: false,
        lastBeforeRemove: 'run',
      },
      {
        name: 'the signal fires during run (run rejects, as the engine does)',
        setup: (engine, controller) => {
          const original = new InterruptedError();
          engine.containers.runImpl = async () => {
            controller.abort();
            throw original;
          };
          return original;
        },
        check: (error, original) => {
          expect(error).to.equal(original);
          expect((error as InterruptedError).exitCode).to.equal(130);
        },
        commitCalled: false,
        lastBeforeRemove: 'run',
      },
    ];

    for (const c of cases) {
      for (const removeFails of [false, true]) {
        it(`${c.name}${removeFails ? ', and removing the container fails too' : ''}`, async () => {
          const engine = newEngine();
          const controller = new AbortController();
          const original = c.setup(engine, controller);
          const removeError = new Error('remove container failed: engine gone');
          if (removeFails) {
            engine.containers.removeContainerImpl = async () => {
              throw removeError;
            };
          }
          const out: string[] = [];
          const logger = createLogger({ write: (text) => void out.push(text) });

          const error = await rejectionOf(build(engine, options, logger, controller.signal));

          c.check(error, original);
          expect(error).not.to.equal(removeError);
          const methods = engine.methods();
          expect(methods.filter((m) => m === 'commit')).to.have.length(c.commitCalled ? 1 : 0);
          expect(methods.filter((m) => m === 'removeContainer')).to.have.length(1);
          expect(methods[methods.length - 1]).to.equal('removeContainer');
          expect(methods[methods.length - 2]).to.equal(c.lastBeforeRemove);
          expect(engine.calls[engine.calls.length - 1]?.args).to.deep.equal([engine.containers.containerId]);
          if (removeFails) expect(out.join('')).to.include('warning: could not remove build container');
        });
      }
    }
  });

  describe('build variables and labels from assemble', () => {
    let src: string;
    let removeDir: () => Promise<void>;
    before(async () => {
      ({ dir: src, remove: removeDir } = await tempDir());
      await mkdir(join(src, '.s2i'));
      await writeFile(join(src, 'x.ipynb'), '{}');
      await writeFile(join(src, '.s2i', 'environment'), 'B=from-s2i\nC=from-s2i\n');
      await writeFile(join(src, 'env.file'), 'A=from-file\nB=from-file\n');
    });
    after(() => removeDir());

    it('gives assemble the merged environment and puts image_metadata.json labels on the commit', async () => {
      const engine = newEngine();
      engine.archives.files.set('/tmp/.s2i/image_metadata.json', '{"labels":[{"course":"stats"},{"io.openshift.s2i.build.image":"forged"}]}');
      const out: string[] = [];
      await build(
        engine,
        { ...options, source: { location: src }, environmentFile: join(src, 'env.file'), env: [{ name: 'C', value: 'from-cli' }], applicationName: 'Stats' },
        createLogger({ write: (t) => void out.push(t) }),
      );
      const created = engine.calls.find((c) => c.method === 'createContainer')?.args[0] as ContainerSpec;
      expect(created.env).to.deep.equal(['A=from-file', 'B=from-s2i', 'C=from-cli']);
      const commit = engine.calls.find((c) => c.method === 'commit')?.args[1] as CommitSpec;
      expect(commit.labels).to.include({ course: 'stats', 'io.openshift.s2i.build.image': BUILDER, 'io.k8s.display-name': 'Stats' });
      expect(out.join('')).to.contain('environment: A, B, C').and.contain('ignored io.openshift.s2i.build.image');
    });

    it("warns, naming the variable, when the course's .s2i/environment weakens the login of the image", async () => {
      const { dir, remove } = await tempDir();
      try {
        await mkdir(join(dir, '.s2i'));
        await writeFile(join(dir, 'x.ipynb'), '{}');
        await writeFile(join(dir, '.s2i', 'environment'), 'JUPYTER_NO_AUTH=1\nNOTEBOOK_ARGS=--ServerApp.token=\nGREETING=hi\n');
        const out: string[] = [];
        await build(newEngine(), { ...options, source: { location: dir } }, createLogger({ write: (t) => void out.push(t) }));
        const warnings = out
          .join('')
          .split('\n')
          .filter((l) => l.includes('warning: .s2i/environment'));
        expect(warnings).to.have.length(2);
        expect(warnings[0]).to.contain('sets JUPYTER_NO_AUTH, which turns authentication off: it is committed into the image');
        expect(warnings[1]).to.contain('sets NOTEBOOK_ARGS');
        expect(out.join('')).not.to.contain('GREETING, which');
      } finally {
        await remove();
      }
    });

    it('runs assemble as --assemble-user and uploads as that uid, committing the builder USER', async () => {
      const engine = newEngine();
      await build(engine, { ...options, assembleUser: '4321' }, silent);
      expect((engine.calls.find((c) => c.method === 'createContainer')?.args[0] as ContainerSpec).user).to.equal('4321');
      expect(engine.archives.uploads[0]?.entries.every((e) => e.uid === 4321 && e.gid === 0)).to.equal(true);
      expect((engine.calls.find((c) => c.method === 'commit')?.args[1] as CommitSpec).user).to.equal('1000');
    });

    it('uploads to --destination', async () => {
      const engine = newEngine();
      await build(engine, { ...options, destination: '/opt/app/' }, silent);
      expect(engine.archives.uploads[0]?.path).to.equal('/opt/app');
    });
  });

  describe('direct write (tjs2i builder, default assemble, no dependency files)', () => {
    const TJS2I_LABELS = { ...BUILDER_LABELS, 'io.tjs2i.builder.stack': 'minimal-notebook' };
    let course: string;
    let removeCourse: () => Promise<void>;
    before(async () => {
      ({ dir: course, remove: removeCourse } = await tempDir());
      await mkdir(join(course, 'lessons'));
      await writeFile(join(course, 'lessons', 'intro.ipynb'), '{}');
    });
    after(() => removeCourse());
    const directOptions = (): BuildOptions => ({ ...options, source: { location: course }, env: [{ name: 'COURSE', value: 'stats' }] });

    it('writes the files into the home without starting a process, and commits the build environment', async () => {
      const engine = newEngine({ labels: TJS2I_LABELS });
      const out: string[] = [];
      const controller = new AbortController();
      const result = await build(engine, directOptions(), createLogger({ write: (t) => void out.push(t) }), controller.signal);
      expect(engine.methods()).to.deep.equal([
        'inspectImage',
        'createContainer',
        'readFile',
        'listPath',
        'listPath',
        'listPath',
        'putArchive',
        'commit',
        // The container goes as soon as it is committed, while the image is checked and tagged.
        'removeContainer',
        'inspectImage',
        'tagImage',
      ]);
      expect(engine.containers.created[0]?.env).to.deep.equal(['COURSE=stats']);
      expect(engine.archives.uploads).to.have.length(1);
      expect(engine.archives.uploads[0]?.path).to.equal('/home/jovyan');
      expect(engine.archives.uploads[0]?.entries.map((e) => e.name)).to.include.members([
        'work/lessons/intro.ipynb',
        '.tjs2i/course/lessons/intro.ipynb',
        'work/.tjs2i-seeded',
      ]);
      for (const call of engine.calls.slice(1, 7)) expect(call.args.at(-1), call.method).to.equal(controller.signal);
      expect(engine.containers.commits[0]?.cmd).to.deep.equal(['/usr/libexec/s2i/run']);
      expect(result.directWrite).to.equal(true);
      expect(out.join('')).to.contain('assemble: tjs2i default, written directly (no dependency files)\n').and.contain('<== write done in');
    });

    it('runs assemble, saying why, when the builder home is not as a tjs2i builder has it', async () => {
      const engine = newEngine({ labels: TJS2I_LABELS });
      engine.archives.paths.set('/home/jovyan/.tjs2i', [{ name: '.tjs2i/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]);
      const out: string[] = [];
      const result = await build(engine, directOptions(), createLogger({ write: (t) => void out.push(t) }));
      expect(engine.methods()).to.include('run');
      expect(engine.archives.uploads[0]?.path).to.equal('/tmp');
      expect(result.directWrite).to.equal(false);
      expect(out.join('')).to.contain('assemble: /usr/libexec/s2i/assemble (image), run in the build container: /home/jovyan/.tjs2i exists in the builder');
    });

    it('checks a builder image once: a check that passed is remembered by image id, home, user and assemble', async () => {
      const keys = new Set<string>();
      const checkCache = { passed: (key: string) => keys.has(key), remember: (key: string) => void keys.add(key) };
      const checks = async (engine: FakeEngine, extra: Partial<BuildOptions> = {}) => {
        const result = await build(engine, { ...directOptions(), checkCache, ...extra }, silent);
        expect(result.directWrite).to.equal(true);
        return engine.methods().filter((m) => m === 'readFile' || m === 'listPath').length;
      };
      expect(await checks(newEngine({ labels: TJS2I_LABELS }))).to.equal(4);
      expect(keys.size).to.equal(1);
      const out: string[] = [];
      const engine = newEngine({ labels: TJS2I_LABELS });
      await build(engine, { ...directOptions(), checkCache }, createLogger({ level: 'debug', write: (t) => void out.push(t) }));
      expect(engine.methods().filter((m) => m === 'readFile' || m === 'listPath')).to.deep.equal([]);
      expect(out.join('')).to.contain("debug: the builder's home passed the direct write's check before (image ");
      // Another image id, another assemble user, another home: checked again.
      expect(await checks(newEngine({ labels: TJS2I_LABELS, id: 'sha256:rebuilt' }))).to.equal(4);
      const other = newEngine({ labels: TJS2I_LABELS });
      other.archives.paths.set('/home/jovyan', [{ name: 'jovyan/', type: 'directory', mode: 0o2775, uid: 1001, gid: 0 }]);
      other.archives.paths.set('/home/jovyan/work', [{ name: 'work/', type: 'directory', mode: 0o2775, uid: 1001, gid: 0 }]);
      expect(await checks(other, { assembleUser: '1001' })).to.equal(4);
      const home = newEngine({ labels: TJS2I_LABELS });
      home.archives.paths.set('/home/ada', [{ name: 'ada/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]);
      home.archives.paths.set('/home/ada/work', [{ name: 'work/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]);
      expect(await checks(home, { env: [{ name: 'NB_USER', value: 'ada' }] })).to.equal(4);
      expect(keys.size).to.equal(4);
    });

    it('a check that failed is not remembered: the next build checks again', async () => {
      const keys = new Set<string>();
      const checkCache = { passed: (key: string) => keys.has(key), remember: (key: string) => void keys.add(key) };
      for (let i = 0; i < 2; i++) {
        const engine = newEngine({ labels: TJS2I_LABELS });
        engine.archives.paths.set('/home/jovyan/.tjs2i', [{ name: '.tjs2i/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]);
        const result = await build(engine, { ...directOptions(), checkCache }, silent);
        expect(result.directWrite).to.equal(false);
        expect(engine.methods()).to.include('listPath');
      }
      expect(keys.size).to.equal(0);
    });

    it('runs assemble for a source with requirements.txt', async () => {
      const engine = newEngine({ labels: TJS2I_LABELS });
      const result = await build(engine, options, silent);
      expect(engine.methods()).to.include('run').and.not.include('listPath');
      expect(result.directWrite).to.equal(false);
    });

    for (const removeFails of [false, true]) {
      it(`a failed write is the error reported, the container is removed, nothing is committed${removeFails ? ' (even when removing fails)' : ''}`, async () => {
        const engine = newEngine({ labels: TJS2I_LABELS });
        const original = new BuildFailedError('upload the source failed: no space left on device');
        engine.archives.putArchiveImpl = async (_id, archive) => {
          archive.resume();
          throw original;
        };
        if (removeFails) {
          engine.containers.removeContainerImpl = async () => {
            throw new Error('engine gone');
          };
        }
        const error = await rejectionOf(build(engine, directOptions(), silent));
        expect(error).to.equal(original);
        expect(engine.methods()).to.not.include('commit');
        expect(engine.methods().slice(-2)).to.deep.equal(['putArchive', 'removeContainer']);
      });
    }

    it('interrupted during the write: exit 130, no commit, the container removed', async () => {
      const engine = newEngine({ labels: TJS2I_LABELS });
      const controller = new AbortController();
      const write = engine.archives.putArchiveImpl;
      engine.archives.putArchiveImpl = async (...args) => {
        await write(...args);
        controller.abort();
      };
      const error = await rejectionOf(build(engine, directOptions(), silent, controller.signal));
      expect(error).to.be.instanceOf(InterruptedError);
      expect(engine.methods()).to.not.include('commit');
      expect(engine.methods().at(-1)).to.equal('removeContainer');
    });
  });

  describe('up to date: the output tag built from the same inputs', function () {
    this.timeout(30_000); // each build clones the repository
    let repo: string;
    let removeRepo: () => Promise<void>;
    before(async () => {
      ({ dir: repo, remove: removeRepo } = await tempDir());
      await writeFile(join(repo, 'intro.ipynb'), '{}');
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgSign=false', ...args], {
          cwd: repo,
          env: { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.org' },
          stdio: 'ignore',
        });
      git('init', '-q');
      git('add', '-A');
      git('commit', '-q', '-m', 'course');
    });
    after(() => removeRepo());

    /** Builds once, then makes the output tag name the committed image, as the engine would. */
    async function builtOnce(engine: FakeEngine, build1: BuildOptions) {
      const first = await build(engine, build1, silent);
      engine.images.local.set('my-course:v1', imageInfo({ id: 'sha256:first', size: 777, labels: first.labels }));
      engine.calls.length = 0;
      return first;
    }

    it('records a fingerprint for a commit, and skips the next build of the same inputs without creating a container', async () => {
      const engine = newEngine();
      const opts: BuildOptions = { ...options, source: { location: repo } };
      const first = await builtOnce(engine, opts);
      expect(first.labels['io.tjs2i.build.fingerprint']).to.match(/^sha256:[0-9a-f]{64}$/);
      const out: string[] = [];
      const second = await build(engine, opts, createLogger({ write: (t) => void out.push(t) }));
      expect(second).to.deep.include({ upToDate: true, imageId: 'sha256:first', image: 'my-course:v1', size: 777 });
      expect(engine.methods()).to.deep.equal(['inspectImage', 'inspectImage']);
      expect(out.join('')).to.match(/^my-course:v1 is up to date: built from [0-9a-f]{40} with tjs2i-test\/builder:latest; use --force to rebuild$/m);
      // Found before the clone: the source key, not the fingerprint (which needs the clone).
      expect(out.join('')).to.not.contain('==> clone');
      expect(first.labels['io.tjs2i.build.source-key']).to.match(/^sha256:[0-9a-f]{64}$/);
    });

    it('the check before the clone: a miss inspects the builder once and goes on; --force and a named --ref clone first', async () => {
      const opts: BuildOptions = { ...options, source: { location: repo } };
      for (const [what, next, early] of [
        ['-e changed', { ...opts, env: [{ name: 'B', value: '2' }] }, true],
        ['--force', { ...opts, force: true }, false],
        ['--ref main', { ...opts, source: { location: repo, ref: 'main' } }, false],
      ] as [string, BuildOptions, boolean][]) {
        const engine = newEngine();
        await builtOnce(engine, opts);
        const out: string[] = [];
        await build(engine, next, createLogger({ write: (t) => void out.push(t) })).catch(() => undefined);
        const inspected = engine.calls.filter((c) => c.method === 'inspectImage').map((c) => c.args[0]);
        expect(
          inspected.filter((name) => name === BUILDER),
          what,
        ).to.have.length(1);
        expect(out.join(''), what).to.contain('==> clone');
        // The output tag is inspected before the clone too when the check runs early.
        expect(inspected.filter((name) => name === 'my-course:v1').length, what).to.equal(early ? 2 : 1);
      }
    });

    it('the check before the clone makes no engine call for a bad flag', async () => {
      const engine = newEngine();
      // With a bad --context-dir too, the -E file is the error, as without the check (the plan reads it first).
      const opts: BuildOptions = { ...options, source: { location: repo, contextDir: '../outside' }, environmentFile: join(repo, 'missing.env') };
      const error = await rejectionOf(build(engine, opts, silent));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.contain('missing.env');
      expect(engine.calls).to.deep.equal([]);
    });

    it('rebuilds with --force, or when a build variable or the builder image changed', async () => {
      const opts: BuildOptions = { ...options, source: { location: repo } };
      for (const [what, next, builderId] of [
        ['--force', { ...opts, force: true }, undefined],
        ['-e', { ...opts, env: [{ name: 'A', value: '1' }] }, undefined],
        ['builder id', opts, 'sha256:rebuilt-builder'],
      ] as [string, BuildOptions, string | undefined][]) {
        const engine = newEngine();
        await builtOnce(engine, opts);
        if (builderId) engine.images.local.set(BUILDER, imageInfo({ ...engine.images.local.get(BUILDER), id: builderId }));
        const result = await build(engine, next, silent);
        expect(result.upToDate, what).to.equal(false);
        expect(engine.methods(), what).to.include('createContainer');
      }
    });

    it('never skips a directory used as it is (--copy), and says so at --verbose', async () => {
      const engine = newEngine();
      const opts: BuildOptions = { ...options, source: { location: repo, copy: true } };
      await builtOnce(engine, opts);
      const out: string[] = [];
      const result = await build(engine, opts, createLogger({ level: 'debug', write: (t) => void out.push(t) }));
      expect(result.upToDate).to.equal(false);
      expect(result.labels['io.tjs2i.build.fingerprint']).to.equal('');
      expect(out.join('')).to.contain('not looking for an up-to-date my-course:v1: the source is a directory used as it is, not a commit');
    });
  });
});
