import { expect } from 'chai';
import { systemDirectoryCase } from '../../../src/builder/system-trees.js';
import { builderDockerfile, builderLabels } from '../../../src/builder/shim-dockerfile.js';
import { SCRIPTS_DIR } from '../../../src/s2i/builder-scripts.js';
import { findStack, STACKS } from '../../../src/builder/stacks.js';

describe('builder-dockerfile', () => {
  const plan = { from: 'quay.io/jupyter/minimal-notebook', uid: 1000, home: '/home/jovyan', trees: ['/home/jovyan', '/opt/conda'] };

  describe('builderDockerfile', () => {
    const dockerfile = builderDockerfile(plan);
    const lines = dockerfile.split('\n');

    it('starts FROM the base image', () => {
      expect(lines[0]).to.equal('FROM quay.io/jupyter/minimal-notebook');
    });

    it('ends with a numeric USER and the run script as CMD', () => {
      const userLines = lines.filter((l) => l.startsWith('USER '));
      expect(userLines).to.deep.equal(['USER root', 'USER 1000']);
      expect(lines.indexOf('USER 1000')).to.be.greaterThan(lines.indexOf('USER root'));
      expect(lines).to.include('CMD ["/usr/libexec/s2i/run"]');
      expect(lines.filter(Boolean).pop()).to.equal('CMD ["/usr/libexec/s2i/run"]');
    });

    it('sets HOME to the notebook user home', () => {
      expect(lines).to.include('ENV HOME="/home/jovyan"');
    });

    it('copies the scripts into /usr/libexec/s2i', () => {
      expect(SCRIPTS_DIR).to.equal('/usr/libexec/s2i');
      expect(lines).to.include('COPY s2i/ /usr/libexec/s2i/');
    });

    it('runs chgrp 0 / chmod g+rwX / setgid over exactly the trees given', () => {
      const loop = lines.find((l) => l.trim().startsWith('for d in '));
      expect(loop?.trim()).to.equal(`for d in '/home/jovyan' '/opt/conda'; do \\`);
      expect(dockerfile).to.include('chgrp -R 0 "$d"');
      expect(dockerfile).to.include('real=$(readlink -f "$d")');
      expect(dockerfile).to.include('chmod -R g+rwX "$d"');
      expect(dockerfile).to.include('find "$d" -type d -exec chmod g+s {} +');
      expect(dockerfile).to.include('chmod g+w /etc/passwd');
      expect(dockerfile.match(/chgrp/g)).to.have.length(1);
      expect(dockerfile).not.to.include('/opt/other');
    });

    it('says in the build output which trees it fixes (through symbolic links) and which it skips', () => {
      expect(dockerfile).to.include('if [ ! -d "$d" ]; then echo "tjs2i: $d is not a directory in the base image: skipped"; continue; fi');
      expect(dockerfile).to.include('echo "tjs2i: group 0 may write $d ($real)"');
      // The loop works on the resolved path: chgrp -R does not follow a symbolic link named on its command line.
      expect(dockerfile.indexOf('d=$real')).to.be.lessThan(dockerfile.indexOf('chgrp -R 0'));
    });

    it('quotes trees for the shell', () => {
      const other = builderDockerfile({ ...plan, uid: 1001, home: '/home/o', trees: ["/home/it's", '/opt/x y'] });
      expect(other).to.include(`for d in '/home/it'\\''s' '/opt/x y'; do`);
      expect(other).to.include('USER 1001\n');
      expect(other).to.include('ENV HOME="/home/o"\n');
    });
  });

  describe('builderLabels', () => {
    const stack = findStack('minimal-notebook');

    it('knows the minimal-notebook stack', () => {
      expect(stack?.upstream).to.equal('quay.io/jupyter/minimal-notebook');
      expect(STACKS.map((s) => s.name)).to.include('scipy-notebook');
      expect(findStack('nope')).to.equal(undefined);
    });

    it('has scripts URL, services, tags, description and display name', () => {
      const labels = builderLabels(stack!, 'quay.io/jupyter/minimal-notebook:2024-05-01');
      expect(labels['io.openshift.s2i.scripts-url']).to.equal('image:///usr/libexec/s2i');
      expect(labels['io.openshift.expose-services']).to.equal('8888:http');
      expect(labels['io.openshift.tags']).to.equal('builder,jupyter,python');
      expect(labels['io.k8s.description']).to.include('minimal-notebook');
      // The base is in io.tjs2i.builder.base: a Docker-strategy build on OpenShift replaces the FROM of a context's Dockerfile.
      expect(labels['io.k8s.description']).to.equal('S2I builder for Jupyter notebooks (minimal-notebook), made by tjs2i; runs under any UID with group 0.');
      expect(labels['io.k8s.display-name']).to.equal('Jupyter minimal-notebook (S2I builder)');
      expect(labels['io.tjs2i.builder.stack']).to.equal('minimal-notebook');
      expect(labels['io.tjs2i.builder.base']).to.equal('quay.io/jupyter/minimal-notebook:2024-05-01');
      expect(labels).not.to.have.property('io.tjs2i.builder.writable-trees');
      expect(builderLabels(stack!, 'x', ['/home/jovyan', '/opt/conda'])['io.tjs2i.builder.writable-trees']).to.equal('/home/jovyan:/opt/conda');
    });
  });

  it('refuses, where the files are, a tree that leads into a system directory (the rule of system-trees.ts)', () => {
    const text = builderDockerfile({ from: 'b', uid: 1000, home: '/home/jovyan', trees: ['/opt/conda'] });
    const refuse = 'echo "tjs2i: $d leads to $real, inside a system directory: refused" >&2; exit 2';
    expect(text).to.contain(`      ${systemDirectoryCase('$real', refuse)}; \\\n`);
  });
});
