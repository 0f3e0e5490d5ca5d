/**
 * What the engine made is checked, on a real engine: an HTTP proxy in front of it drops the
 * configuration of a commit (as Podman < 4.8 did) or answers a load for another image, and tjs2i
 * must fail with one line, leave the output tag where it was and leave no image, container or
 * temporary directory behind. Every test is marked for the Podman pass.
 */
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { answerLoadFor, dropCommitConfig, startHttpEngineProxy, type HttpEngineProxy } from '../support/integration/engine-http-proxy.js';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { docker, exec, imageExists, imageId, tempDir, testBuilder, tjs2i, uniqueName, type Result } from '../support/integration/helpers.js';
import { onPodman } from '../support/integration/engines.js';
import { buildTinyBuilder } from '../support/integration/tiny-builder.js';

/** The CLI with DOCKER_HOST at the proxy and a private TMPDIR; what it left there. */
async function throughProxy(proxy: HttpEngineProxy, args: string[]): Promise<Result & { leftoverTempFiles: string[] }> {
  const tmp = await tempDir('tmp');
  try {
    const result = await tjs2i(args, { DOCKER_HOST: proxy.dockerHost, TMPDIR: tmp.path });
    return { ...result, leftoverTempFiles: await readdir(tmp.path) };
  } finally {
    await tmp.remove();
  }
}

/** The containers among `names` that still exist. */
async function existing(names: string[]): Promise<string[]> {
  const left: string[] = [];
  for (const name of names) if ((await exec('docker', ['container', 'inspect', name])).code === 0) left.push(name);
  return left;
}

/** Untagged images built from `builder` (by the label S2I builds carry). */
async function danglingFrom(builder: string): Promise<string[]> {
  const ids = await docker('images', '-q', '--no-trunc', '--filter', 'dangling=true', '--filter', `label=io.openshift.s2i.build.image=${builder}`);
  return ids.split('\n').filter(Boolean).sort();
}

function errorLines(result: Result): string[] {
  return result.stderr.split('\n').filter((l) => l.startsWith('error:'));
}

/** Exit 1 after the proxy changed exactly one request, with one error line, the last one; returns it. */
function failedOnceThroughProxy(proxy: HttpEngineProxy, result: Result): string[] {
  expect(result.code, result.stderr).to.equal(1);
  expect(
    proxy.rewritten.filter((r) => r.startsWith('POST ')),
    proxy.requests.join('\n'),
  ).to.have.length(1);
  const errors = errorLines(result);
  expect(errors, result.stderr).to.have.length(1);
  expect(result.stderr.trim().split('\n').pop()).to.equal(errors[0]);
  return errors;
}

describe('what the engine made is checked (real engine behind a proxy that drops or fakes its part)', function () {
  this.timeout(600_000);
  const cleanups: (() => Promise<void>)[] = [];

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it(
    onPodman('a commit whose settings the engine dropped: exit 1, one line naming Cmd, the tag still on the previous image, no new image, no container'),
    async () => {
      const builder = await testBuilder();
      const course = await tempDir('course');
      cleanups.push(course.remove);
      await writeTree(course.path, { 'intro.ipynb': notebook('Introduction') });
      const output = uniqueName('checked');
      const first = await tjs2i(['build', course.path, builder, output]);
      expect(first.code, first.stderr).to.equal(0);
      const previous = await imageId(output);
      expect(previous).to.be.a('string');
      const danglingBefore = await danglingFrom(builder);

      const proxy = await startHttpEngineProxy(dropCommitConfig);
      cleanups.push(proxy.close);
      const result = await throughProxy(proxy, ['build', course.path, builder, output, '--force']);

      const errors = failedOnceThroughProxy(proxy, result);
      expect(errors[0]).to.match(/^error: .*commit API ignored the configuration it was sent: Cmd /);
      expect(errors[0]).to.match(new RegExp(` ${output}(:latest)? was not written \\(its tag did not move\\)`));
      expect(await imageId(output)).to.equal(previous);
      expect(await danglingFrom(builder)).to.deep.equal(danglingBefore);
      // The image the commit made (its id from the engine's answer) was removed.
      const commits = proxy.answers.filter((a) => /^POST \/(v[\d.]+\/)?commit\?/.test(a.request));
      expect(commits, JSON.stringify(proxy.answers)).to.have.length(1);
      const committed = (JSON.parse(commits[0]?.body ?? '{}') as { Id?: string }).Id ?? '';
      expect(committed).to.match(/^(sha256:)?[0-9a-f]{64}$/);
      expect(await imageExists(committed)).to.equal(false);
      expect(proxy.created, proxy.requests.join('\n')).to.not.deep.equal([]);
      expect(await existing(proxy.created)).to.deep.equal([]);
      expect(result.leftoverTempFiles).to.deep.equal([]);
    },
  );

  it(onPodman('a load answered for another image: exit 1, one line naming both ids, no tag, no image left'), async () => {
    const base = uniqueName('tiny-base');
    await buildTinyBuilder(base);
    const tag = uniqueName('builder');
    const other = `sha256:${'0'.repeat(64)}`;

    const proxy = await startHttpEngineProxy(answerLoadFor(other));
    cleanups.push(proxy.close);
    const result = await throughProxy(proxy, ['builder', 'minimal-notebook', '--from', base, '--tag', tag]);

    const errors = failedOnceThroughProxy(proxy, result);
    const line = /^error: the engine reported loading (\S+), not the rewritten image (sha256:[0-9a-f]{64});/.exec(errors[0] ?? '');
    expect(line, errors[0]).to.not.equal(null);
    expect(line?.[1]).to.equal(other);
    const expected = line?.[2] ?? '';
    expect(expected).to.not.equal(other);
    expect(await imageExists(tag)).to.equal(false);
    expect(await imageExists(expected)).to.equal(false);
    expect(await existing(proxy.created)).to.deep.equal([]);
    expect(result.leftoverTempFiles).to.deep.equal([]);
  });
});
