import { expect } from 'chai';
import type { Readable } from 'node:stream';
import { stacksTable, stackJson } from '../../../src/cli/commands/stacks.js';
import type { BuildImageSpec } from '../../../src/engine/image-client.js';
import { createLogger } from '../../../src/common/log.js';
import { makeBuilder } from '../../../src/builder/make-builder.js';
import { defaultTrees, findStack, planTrees, STACKS, treeRoots, type Stack } from '../../../src/builder/stacks.js';
import { FakeEngine } from '../../support/unit/fake-engine.js';
import { FakeImages, imageInfo } from '../../support/unit/fake-images.js';
import { readTar } from '../../support/unit/helpers.js';

const get = (name: string): Stack => {
  const stack = findStack(name);
  if (!stack) throw new Error(`no stack ${name}`);
  return stack;
};
const home = '/home/jovyan';
const paths = (name: string, env: string[] = []) => planTrees(get(name), { env, home }).map((t) => t.path);

describe('stacks', () => {
  it('has the six upstream stacks, each from quay.io/jupyter/<stack>', () => {
    expect(STACKS.map((s) => s.name)).to.deep.equal([
      'all-spark-notebook',
      'datascience-notebook',
      'minimal-notebook',
      'pyspark-notebook',
      'r-notebook',
      'scipy-notebook',
    ]);
    for (const stack of STACKS) expect(stack.upstream).to.equal(`quay.io/jupyter/${stack.name}`);
    expect(get('datascience-notebook').languages).to.deep.equal(['python', 'r', 'julia']);
    expect(get('r-notebook').languages).to.include('r');
  });

  describe('planTrees with the upstream values (an image whose ENV sets nothing)', () => {
    it('minimal and scipy: the home and the conda tree only', () => {
      expect(paths('minimal-notebook')).to.deep.equal(['/home/jovyan', '/opt/conda']);
      expect(paths('scipy-notebook')).to.deep.equal(['/home/jovyan', '/opt/conda']);
    });

    it('r-notebook: the conda R library; R_LIBS_USER only when the image sets it', () => {
      expect(paths('r-notebook')).to.deep.equal(['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library']);
      expect(paths('r-notebook', ['R_LIBS_USER=/srv/rlib'])).to.deep.equal(['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library', '/srv/rlib']);
    });

    it('datascience-notebook: the R library and the Julia depot /opt/julia, once', () => {
      expect(paths('datascience-notebook')).to.deep.equal(['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library', '/opt/julia']);
    });

    it('pyspark-notebook: $SPARK_HOME/conf; all-spark-notebook: also R_LIBS_USER = $SPARK_HOME/R/lib', () => {
      expect(paths('pyspark-notebook')).to.deep.equal(['/home/jovyan', '/opt/conda', '/usr/local/spark/conf']);
      expect(paths('all-spark-notebook')).to.deep.equal([
        '/home/jovyan',
        '/opt/conda',
        '/opt/conda/lib/R/library',
        '/usr/local/spark/R/lib',
        '/usr/local/spark/conf',
      ]);
    });
  });

  describe("planTrees reads the base image's ENV", () => {
    it('CONDA_DIR, SPARK_HOME and R_LIBS_USER from the image, marked as such', () => {
      const env = ['PATH=/usr/bin', 'CONDA_DIR=/srv/conda', 'SPARK_HOME=/opt/spark/'];
      const plan = planTrees(get('all-spark-notebook'), { env, home: '/home/ann' });
      expect(plan.map((t) => t.path)).to.deep.equal(['/home/ann', '/srv/conda', '/srv/conda/lib/R/library', '/opt/spark/R/lib', '/opt/spark/conf']);
      expect(plan.find((t) => t.path === '/srv/conda')?.source).to.equal('image');
      // R_LIBS_USER is not in the image: the stack's default, made from the image's SPARK_HOME.
      expect(plan.find((t) => t.path === '/opt/spark/R/lib')).to.include({ spec: '$R_LIBS_USER', source: 'default' });
    });

    it('a list variable gives one tree per entry; ~ is the home; R specifiers and empty entries are dropped', () => {
      const env = ['JULIA_DEPOT_PATH=/opt/julia::/srv/depot', 'JULIA_PKGDIR=/opt/julia', 'R_LIBS_USER=~/R/%p-library/%v:/srv/r/%v'];
      expect(paths('datascience-notebook', env)).to.deep.equal([
        '/home/jovyan',
        '/opt/conda',
        '/opt/conda/lib/R/library',
        '/home/jovyan/R',
        '/srv/r',
        '/opt/julia',
        '/srv/depot',
      ]);
    });

    it('never plans / or a relative path', () => {
      expect(paths('minimal-notebook', ['CONDA_DIR=/'])).to.deep.equal(['/home/jovyan']);
      expect(paths('r-notebook', ['R_LIBS_USER=lib:%U'])).to.deep.equal(['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library']);
    });
  });

  describe('treeRoots', () => {
    it('drops trees inside another, in either order, keeping prefixes that are not parents', () => {
      expect(treeRoots(['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library', '/opt/julia'])).to.deep.equal(['/home/jovyan', '/opt/conda', '/opt/julia']);
      expect(treeRoots(['/opt/conda/lib/R/library', '/opt/conda'])).to.deep.equal(['/opt/conda']);
      expect(treeRoots(['/opt/conda', '/opt/conda2', '/opt/conda'])).to.deep.equal(['/opt/conda', '/opt/conda2']);
    });
  });

  describe('tjs2i stacks output', () => {
    const table = stacksTable(STACKS);
    const lines = table.split('\n');

    it('is a table with a header and one block per stack: name, upstream image, languages, trees', () => {
      expect(lines[0]).to.match(/^STACK +UPSTREAM IMAGE +LANGUAGES +TREES MADE WRITABLE FOR GROUP 0$/);
      for (const stack of STACKS) {
        const row = lines.find((l) => l.startsWith(`${stack.name} `));
        expect(row, stack.name).to.match(
          new RegExp(`^${stack.name} +${stack.upstream.replace(/\./g, '\\.')} +${stack.languages.join(', ')} +/home/jovyan \\(home\\)$`),
        );
      }
      const ds = lines.findIndex((l) => l.startsWith('datascience-notebook '));
      const block = lines.slice(
        ds,
        lines.findIndex((l, i) => i > ds && /^\S/.test(l)),
      );
      expect(block.map((l) => l.slice(lines[0]!.indexOf('TREES')))).to.deep.equal([
        '/home/jovyan (home)',
        '/opt/conda ($CONDA_DIR)',
        '/opt/conda/lib/R/library ($CONDA_DIR/lib/R/library)',
        '$R_LIBS_USER (when the image sets it)',
        '/opt/julia ($JULIA_DEPOT_PATH, $JULIA_PKGDIR)',
      ]);
      expect(table).to.contain('/usr/local/spark/conf ($SPARK_HOME/conf)');
    });

    it('--json: every stack with its image, languages and trees', () => {
      const json = JSON.parse(JSON.stringify(STACKS.map(stackJson)));
      const spark = json.find((s: { name: string }) => s.name === 'all-spark-notebook');
      expect(spark.upstream).to.equal('quay.io/jupyter/all-spark-notebook');
      expect(spark.languages).to.deep.equal(['python', 'r']);
      expect(spark.trees.map((t: { path: string }) => t.path)).to.include('/usr/local/spark/R/lib');
      const r = json.find((s: { name: string }) => s.name === 'r-notebook');
      expect(r.trees.find((t: { specs: string[] }) => t.specs.includes('$R_LIBS_USER')).path).to.equal(null);
      expect(defaultTrees(get('minimal-notebook')).map((t) => t.path)).to.deep.equal(['/home/jovyan', '/opt/conda']);
    });
  });

  describe('makeBuilder with a fake engine', () => {
    class BuildingImages extends FakeImages {
      dockerfile = '';
      spec?: BuildImageSpec;
      override async buildImage(context: Readable, spec: BuildImageSpec): Promise<string> {
        this.calls.push({ method: 'buildImage', args: [context, spec] });
        const { entries } = await readTar(context);
        this.dockerfile = entries.find((e) => e.name === 'Dockerfile')?.data.toString() ?? '';
        this.spec = spec;
        this.local.set('sha256:made', imageInfo({ id: 'sha256:made' }));
        return 'sha256:made';
      }
    }

    async function make(stack: string, env: string[]) {
      const images = new BuildingImages();
      const engine = new FakeEngine(images);
      images.local.set('base', imageInfo({ id: 'sha256:base', user: 'jovyan', env }));
      engine.archives.files.set('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\njovyan:x:1000:100::/home/jovyan:/bin/bash\n');
      const out: string[] = [];
      const result = await makeBuilder(engine, { stack, from: 'base', tag: 'out', dockerfile: true }, createLogger({ write: (t) => void out.push(t) }));
      return { images, result, log: out.join('') };
    }

    it('datascience: the Dockerfile fixes the home, conda and the Julia depot from the ENV; the R library is inside conda', async () => {
      const { images, result, log } = await make('datascience-notebook', ['CONDA_DIR=/opt/conda', 'JULIA_DEPOT_PATH=/srv/julia', 'JULIA_PKGDIR=/srv/julia']);
      expect(images.dockerfile).to.contain("for d in '/home/jovyan' '/opt/conda' '/srv/julia'; do");
      expect(result.trees.map((t) => t.path)).to.deep.equal(['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library', '/srv/julia']);
      expect(images.spec?.labels?.['io.tjs2i.builder.writable-trees']).to.equal('/home/jovyan:/opt/conda:/opt/conda/lib/R/library:/srv/julia');
      expect(log).to.contain('writable for group 0: /srv/julia ($JULIA_DEPOT_PATH)');
    });

    it('pyspark: $SPARK_HOME/conf with the default SPARK_HOME when the image has none, and says so', async () => {
      const { images, log } = await make('pyspark-notebook', []);
      expect(images.dockerfile).to.contain("for d in '/home/jovyan' '/opt/conda' '/usr/local/spark/conf'; do");
      expect(log).to.contain('writable for group 0: /usr/local/spark/conf ($SPARK_HOME/conf, default)');
    });
  });

  it('ignores ENV values that are not plain paths (they would be written into the Dockerfile)', () => {
    const hostile = ["SPARK_HOME=/x'; done\nUSER 0\nRUN id", 'SPARK_HOME=/opt/sp ark', 'SPARK_HOME=/opt/"q"'];
    for (const value of hostile) {
      expect(paths('pyspark-notebook', [value]).some((p) => /[\s'"]/.test(p))).to.equal(false);
    }
  });
});
