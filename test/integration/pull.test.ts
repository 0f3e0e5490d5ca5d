import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, exec, imageExists, leftoverContainers, newLeftovers, tempDir, tjs2i, uniqueName, type Result } from '../support/integration/helpers.js';
import { startRegistry, type Registry } from '../support/integration/registry.js';
import { pushTinyBuilder, RUN_FILE } from '../support/integration/tiny-builder.js';

/**
 * --pull-policy against a real registry on 127.0.0.1: the builder exists only in the registry, and
 * tjs2i pulls it (or refuses to) as the policy says; a missing image and a registry that is down
 * are exit 4 with one clear line.
 */
describe('pull policies (real engine, local registry)', function () {
  this.timeout(300_000);
  let registry: Registry;
  let builder: string;
  let course: { path: string; remove: () => Promise<void> };
  const message = `hello from ${uniqueName('pull')}`;
  const outputs: string[] = [];

  before(async () => {
    registry = await startRegistry();
    builder = `${registry.host}/${uniqueName('tiny')}:1`;
    await pushTinyBuilder(builder);
    course = await tempDir('pull-course');
    await writeFile(join(course.path, RUN_FILE), `${message}\n`);
  });

  after(async () => {
    await registry?.stop();
    await exec('docker', ['rmi', '-f', builder, ...outputs]);
    await course?.remove();
  });

  const output = () => {
    const name = uniqueName('pulled');
    outputs.push(name);
    return name;
  };

  function errorLines(result: Result): string[] {
    return result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  }

  async function expectCleanFailure(run: () => Promise<Result>, code: number, pattern: RegExp): Promise<void> {
    const before = await leftoverContainers();
    const result = await run();
    expect(result.code, result.stderr).to.equal(code);
    expect(errorLines(result), result.stderr).to.have.length(1);
    expect(result.stderr.trim().split('\n').pop()).to.match(pattern);
    expect(await newLeftovers(before)).to.deep.equal([]);
  }

  it('if-not-present (the default): pulls a missing builder, and the build runs', async () => {
    expect(await imageExists(builder)).to.equal(false);
    const out = output();
    const result = await tjs2i(['build', course.path, builder, out]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include(`${builder} is not here; pulling it`);
    expect(result.stderr).to.match(new RegExp(`^pulled ${builder.replace(/[.]/g, '\\.')} \\(sha256:[0-9a-f]{64}\\)$`, 'm'));
    expect(await imageExists(builder)).to.equal(true);
    expect(await docker('run', '--rm', out)).to.equal(message);
  });

  it('if-not-present: uses the builder that is now here without pulling', async () => {
    const result = await tjs2i(['build', course.path, builder, output(), '--pull-policy', 'if-not-present']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.not.include('pulled ');
  });

  it('always: pulls again although the builder is here', async () => {
    const out = output();
    const result = await tjs2i(['build', course.path, builder, out, '--pull-policy', 'always']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include(`pulling ${builder} (--pull-policy always)`);
    expect(result.stderr).to.match(/^pulled .* \(sha256:[0-9a-f]{64}\)$/m);
    expect(await docker('run', '--rm', out)).to.equal(message);
  });

  it('never: a missing builder is exit 4 with one error line, and nothing is pulled', async () => {
    await docker('rmi', builder);
    await expectCleanFailure(
      () => tjs2i(['build', course.path, builder, output(), '--pull-policy', 'never']),
      4,
      /^error: image .* not found locally \(--pull-policy never\); .*drop `--pull-policy never`/,
    );
    expect(await imageExists(builder)).to.equal(false);
  });

  it('an image that is not in the registry: exit 4, "not found"', async () => {
    const missing = `${registry.host}/${uniqueName('absent')}:1`;
    await expectCleanFailure(
      () => tjs2i(['build', course.path, missing, output()]),
      4,
      new RegExp(`^error: cannot pull ${missing.replace(/[.]/g, '\\.')}: not found in the registry ${registry.host.replace(/[.]/g, '\\.')} `),
    );
  });

  it('a bad --pull-policy is a usage error (exit 2), for build and builder', async () => {
    for (const args of [
      ['build', course.path, builder, output()],
      ['builder', 'minimal-notebook'],
    ]) {
      const result = await tjs2i([...args, '--pull-policy', 'sometimes']);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr.trim()).to.match(/^error: Invalid values:[\s\S]*pull-policy[\s\S]*"always", "never", "if-not-present"/);
    }
  });

  it('builder: pulls a missing base image from the registry (if-not-present)', async () => {
    expect(await imageExists(builder)).to.equal(false);
    const tag = output();
    const result = await tjs2i(['builder', 'minimal-notebook', '--from', builder, '--tag', tag]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/^pulled .* \(sha256:[0-9a-f]{64}\)$/m);
    expect(await imageExists(tag)).to.equal(true);
  });

  it('builder: never with a missing base is exit 4', async () => {
    await expectCleanFailure(
      () => tjs2i(['builder', 'minimal-notebook', '--from', `${registry.host}/${uniqueName('nobase')}:1`, '--tag', output(), '--pull-policy', 'never']),
      4,
      /^error: image .* not found locally \(--pull-policy never\)/,
    );
  });

  describe('with the registry stopped', () => {
    before(async () => {
      await registry.stop();
    });

    it('always: fails although the builder is here (as s2i does), exit 4, registry could not be reached', async () => {
      expect(await imageExists(builder)).to.equal(true); // pulled by the builder test above
      await expectCleanFailure(
        () => tjs2i(['build', course.path, builder, output(), '--pull-policy', 'always']),
        4,
        /^error: cannot pull .*: the registry 127\.0\.0\.1:\d+ could not be reached \(.*connection refused\); .*--pull-policy if-not-present/,
      );
    });

    it('if-not-present with the builder missing: exit 4, registry could not be reached', async () => {
      await docker('rmi', builder);
      await expectCleanFailure(
        () => tjs2i(['build', course.path, builder, output()]),
        4,
        /^error: cannot pull .*: the registry 127\.0\.0\.1:\d+ could not be reached .*; check that the registry 127\.0\.0\.1:\d+ is running/,
      );
    });
  });
});
