import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readyLine, runImageOptionsOf } from '../../../src/cli/commands/run.js';
import { BuildFailedError, UsageError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { preview } from '../../../src/serve/preview.js';
import { FakeEngine } from '../../support/unit/fake-engine.js';
import { imageInfo } from '../../support/unit/fake-images.js';
import { rejectionOf, tempDir } from '../../support/unit/helpers.js';

const BUILDER = 'tjs2i-test/builder:latest';
const silent = createLogger({ write: () => undefined });

describe('preview (fake engine)', () => {
  let dir: string;
  let remove: () => Promise<void>;

  before(async () => {
    ({ dir, remove } = await tempDir());
    await writeFile(join(dir, 'intro.ipynb'), '{}');
  });
  after(() => remove());

  function engine(): FakeEngine {
    const fake = new FakeEngine();
    fake.images.local.set(BUILDER, imageInfo({ id: 'sha256:builderid', labels: { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' } }));
    fake.containers.serverOutput = ['[I NotebookApp] http://c0ffee:8888/?token=abc123\n'];
    return fake;
  }

  async function run(fake: FakeEngine, keep: boolean) {
    const controller = new AbortController();
    return preview(
      fake,
      { source: { location: dir }, builder: BUILDER },
      { env: [], volumes: [], pollIntervalMs: 5, probe: async () => 200 },
      keep,
      silent,
      controller.signal,
      () => setTimeout(() => controller.abort(), 5),
    );
  }

  it('builds to a throwaway tag, serves that image, and removes it after the container', async () => {
    const fake = engine();
    const result = await run(fake, false);
    const tag = fake.images.tags[0];
    expect(`${tag?.repository}:${tag?.tag}`).to.match(/^tjs2i-preview-[0-9a-f]{12}:latest$/);
    expect(fake.containers.servers[0]?.image).to.equal(`${tag?.repository}:${tag?.tag}`);
    expect(result).to.deep.include({ image: `${tag?.repository}:${tag?.tag}`, kept: false, url: 'http://127.0.0.1:49153/?token=abc123' });
    expect(fake.images.removedImages).to.deep.equal([result.image]);
    expect(fake.methods().slice(-2)).to.deep.equal(['removeContainer', 'removeImage']);
  });

  it('keeps the image with keep', async () => {
    const fake = engine();
    const result = await run(fake, true);
    expect(result.kept).to.equal(true);
    expect(fake.images.removedImages).to.deep.equal([]);
  });

  it('removes the image when the server dies', async () => {
    const fake = engine();
    fake.containers.startContainerImpl = async () => {
      fake.containers.emitServerOutput('boom\n');
      fake.containers.exitServer(3);
    };
    const error = await rejectionOf(run(fake, false));
    expect(error).to.be.instanceOf(BuildFailedError);
    expect(fake.images.removedImages).to.have.length(1);
    expect(fake.images.removedImages[0]).to.match(/^tjs2i-preview-/);
  });

  it('a failed build tags nothing and serves nothing', async () => {
    const fake = engine();
    fake.containers.runImpl = async () => 5;
    const error = await rejectionOf(run(fake, false));
    expect((error as Error).message).to.match(/^assemble failed with exit code 5/);
    expect(fake.containers.servers).to.deep.equal([]);
    expect(fake.images.tags).to.deep.equal([]);
  });
});

describe('run command helpers', () => {
  it('readyLine: the URL, and "password required" with a password', () => {
    const ready = { url: 'http://127.0.0.1:1234/?token=t', port: 1234, containerId: 'c', container: 'n', passwordRequired: false, tokenFound: true };
    expect(readyLine(ready)).to.equal('open http://127.0.0.1:1234/?token=t');
    expect(readyLine({ ...ready, url: 'http://127.0.0.1:1234/', passwordRequired: true })).to.equal('open http://127.0.0.1:1234/ (password required)');
  });

  it('runImageOptionsOf: --timeout in seconds, refused when not positive', () => {
    expect(runImageOptionsOf({ timeout: 30, port: '9999' })).to.deep.include({ readyTimeoutMs: 30_000, port: 9999 });
    expect(runImageOptionsOf({}).readyTimeoutMs).to.equal(120_000);
    expect(() => runImageOptionsOf({ timeout: 0 })).to.throw(UsageError, /--timeout 0/);
  });
});
