import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STACKS } from '../../../src/builder/stacks.js';
import { TEMPLATES_DIR, templateFiles, writeTemplateFiles } from '../../../src/deploy/template-files.js';
import { writeFileAtomic } from '../../../src/common/write-file-atomic.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('openshift-templates/ in the repository', () => {
  it('holds exactly the generated templates, up to date (else run `npm run templates`)', async () => {
    const expected = templateFiles();
    expect(expected.map((f) => f.path)).to.include.members(STACKS.map((s) => `${TEMPLATES_DIR}/${s.name}.json`));
    const present = (await readdir(join(ROOT, TEMPLATES_DIR)).catch(() => [] as string[])).map((f) => `${TEMPLATES_DIR}/${f}`).sort();
    expect(present, 'files in openshift-templates/ differ from the generator: run `npm run templates`').to.deep.equal(expected.map((f) => f.path).sort());
    for (const file of expected) {
      const committed = await readFile(join(ROOT, file.path), 'utf8');
      expect(committed === file.content, `${file.path} is out of date with the generator: run \`npm run templates\``).to.equal(true);
    }
  });

  it('holds the builder template of every stack at openshift-templates/<stack>-builder.json', () => {
    for (const stack of STACKS) {
      const file = templateFiles().find((f) => f.path === `${TEMPLATES_DIR}/${stack.name}-builder.json`)!;
      const template = JSON.parse(file.content) as { kind: string; metadata: { name: string } };
      expect(template.kind).to.equal('Template');
      expect(template.metadata.name).to.equal(`jupyter-${stack.name}-builder`);
    }
  });

  it('keeps the original oc create -f paths: openshift-templates/<stack>.json is the ephemeral template', () => {
    for (const stack of STACKS) {
      const file = templateFiles().find((f) => f.path === `${TEMPLATES_DIR}/${stack.name}.json`)!;
      const template = JSON.parse(file.content) as { kind: string; metadata: { name: string } };
      expect(template.kind).to.equal('Template');
      expect(template.metadata.name).to.equal(`jupyter-${stack.name}-app`);
    }
  });

  describe('writeTemplateFiles and writeFileAtomic', () => {
    let dir: string;
    beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'tjs2i-templates-'))));
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('writes every template, replacing what was there, leaving no temporary file', async () => {
      await writeTemplateFiles(dir);
      await writeFile(join(dir, TEMPLATES_DIR, 'minimal-notebook.json'), 'stale');
      const written = await writeTemplateFiles(dir);
      expect(written).to.have.length(STACKS.length * 3);
      expect((await readdir(join(dir, TEMPLATES_DIR))).sort()).to.deep.equal(written.map((p) => p.split('/')[1]).sort());
      const minimal = templateFiles().find((f) => f.path.endsWith('/minimal-notebook.json'))!;
      expect(await readFile(join(dir, minimal.path), 'utf8')).to.equal(minimal.content);
    });

    it('fails in a missing directory without leaving anything', async () => {
      let error: NodeJS.ErrnoException | undefined;
      await writeFileAtomic(join(dir, 'missing', 'x.json'), '{}').catch((e: NodeJS.ErrnoException) => (error = e));
      expect(error?.code).to.equal('ENOENT');
      expect(await readdir(dir)).to.deep.equal([]);
    });
  });
});
