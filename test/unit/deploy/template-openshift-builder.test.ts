import { expect } from 'chai';
import { STACKS, findStack } from '../../../src/builder/stacks.js';
import { tjs2iRepositoryUrl } from '../../../src/common/package-repository.js';
import { builderImageStreamTag } from '../../../src/deploy/manifests/builder-image-stream.js';
import { openshiftBuilderTemplate } from '../../../src/deploy/manifests/openshift-builder.js';
import { openshiftTemplate } from '../../../src/deploy/manifests/openshift-template.js';
import { templateDefinition, type TemplateRequest } from '../../../src/deploy/template-definition.js';
import { processTemplate } from '../../support/kubernetes/oc-process.js';
import { checkOpenShiftObject, checkTemplate } from '../../support/kubernetes/openshift-schema.js';
import { templateReferences } from '../../support/kubernetes/template-references.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TJS2I = 'https://git.example.com/tjs2i/tjs2i.git';
const COURSE = 'https://github.com/jrjohansson/scientific-python-lectures.git';

const byKindAndName = (objects: Obj[], kind: string, name: string): Obj => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind} ${name}`).to.have.length(1);
  return found[0]!;
};

describe('OpenShift builder template', () => {
  for (const stack of STACKS) {
    describe(stack.name, () => {
      const template = openshiftBuilderTemplate(stack);
      const { objects, values } = processTemplate(template, { TJS2I_REPOSITORY_URL: TJS2I });
      const upstream = byKindAndName(objects, 'ImageStream', `${stack.name}-upstream`);
      const builder = byKindAndName(objects, 'ImageStream', `jupyter-${stack.name}`);
      const build = byKindAndName(objects, 'BuildConfig', `jupyter-${stack.name}`);

      it('is a valid template named jupyter-<stack>-builder whose parameters are exactly the ones its objects use', () => {
        expect(checkTemplate(template)).to.deep.equal([]);
        expect(template.metadata.name).to.equal(`jupyter-${stack.name}-builder`);
        const declared = template.parameters.map((p) => p.name);
        expect(declared).to.deep.equal(['TJS2I_REPOSITORY_URL', 'TJS2I_REPOSITORY_REF', 'UPSTREAM_IMAGE', 'NB_UID']);
        expect([...templateReferences(template.objects)].sort()).to.deep.equal([...declared].sort());
        for (const name of templateReferences(template.message)) expect(declared).to.include(name);
      });

      it('processes into valid objects: the upstream ImageStream, the builder ImageStream and its BuildConfig', () => {
        expect(objects.map((o) => `${String(o.kind)}/${String((o.metadata as Obj).name)}`)).to.deep.equal([
          `ImageStream/${stack.name}-upstream`,
          `ImageStream/jupyter-${stack.name}`,
          `BuildConfig/jupyter-${stack.name}`,
        ]);
        for (const object of objects) {
          expect(checkOpenShiftObject(object), `${String(object.kind)}`).to.deep.equal([]);
          expect(JSON.stringify(object)).not.to.include('${');
          expect((object.metadata as Obj).labels).to.deep.equal({ app: `jupyter-${stack.name}`, template: template.metadata.name });
        }
      });

      it('needs the tjs2i repository unless one is known, and takes it as its default when it is', () => {
        expect(() => processTemplate(template)).to.throw('TJS2I_REPOSITORY_URL is required');
        const known = openshiftBuilderTemplate(stack, { repositoryUrl: TJS2I });
        const build = processTemplate(known).objects.find((o) => o.kind === 'BuildConfig') as Obj;
        expect(build.spec.source.git.uri).to.equal(TJS2I);
      });

      it("imports the upstream stack's latest image on a schedule (UPSTREAM_IMAGE, default quay.io/jupyter/<stack>:latest)", () => {
        expect(values.UPSTREAM_IMAGE).to.equal(`quay.io/jupyter/${stack.name}:latest`);
        expect(upstream.spec.tags).to.deep.equal([
          { name: 'latest', from: { kind: 'DockerImage', name: `quay.io/jupyter/${stack.name}:latest` }, importPolicy: { scheduled: true } },
        ]);
        const given = processTemplate(template, { TJS2I_REPOSITORY_URL: TJS2I, UPSTREAM_IMAGE: 'quay.io/jupyter/x:2025-01-06' }).objects[0] as Obj;
        expect(given.spec.tags[0].from.name).to.equal('quay.io/jupyter/x:2025-01-06');
        expect(builder.spec).to.deep.equal({});
      });

      it("builds stacks/<stack>/ of the tjs2i repository with the Docker strategy, the upstream tag replacing the Dockerfile's FROM", () => {
        expect(build.spec.source).to.deep.equal({ type: 'Git', git: { uri: TJS2I, ref: '' }, contextDir: `stacks/${stack.name}` });
        expect(build.spec.strategy).to.deep.equal({
          type: 'Docker',
          dockerStrategy: { from: { kind: 'ImageStreamTag', name: `${stack.name}-upstream:latest` }, buildArgs: [{ name: 'NB_UID', value: '1000' }] },
        });
        // The tag it builds from is the one the upstream ImageStream imports.
        const [streamName, tag] = (build.spec.strategy.dockerStrategy.from.name as string).split(':');
        expect(streamName).to.equal(upstream.metadata.name);
        expect(upstream.spec.tags.map((t: Obj) => t.name)).to.include(tag);
        const given = processTemplate(template, { TJS2I_REPOSITORY_URL: TJS2I, TJS2I_REPOSITORY_REF: 'v1.2.0', NB_UID: '1001' }).objects[2] as Obj;
        expect(given.spec.source.git.ref).to.equal('v1.2.0');
        expect(given.spec.strategy.dockerStrategy.buildArgs).to.deep.equal([{ name: 'NB_UID', value: '1001' }]);
      });

      it("rebuilds on a new upstream image: an ImageChange trigger without `from` follows the strategy's image, the upstream tag", () => {
        expect(build.spec.triggers).to.deep.equal([{ type: 'ConfigChange' }, { type: 'ImageChange', imageChange: {} }]);
        expect(build.spec.strategy.dockerStrategy.from.kind).to.equal('ImageStreamTag');
        expect(build.spec.runPolicy).to.equal('SerialLatestOnly');
      });

      it("writes jupyter-<stack>:latest, the builder ImageStream's tag", () => {
        expect(build.spec.output.to).to.deep.equal({ kind: 'ImageStreamTag', name: `jupyter-${stack.name}:latest` });
        expect((build.spec.output.to.name as string).split(':')[0]).to.equal(builder.metadata.name);
        expect(builderImageStreamTag(stack)).to.equal(build.spec.output.to.name);
      });

      const courses = [
        { label: 'ephemeral', options: {} },
        { label: 'persistent', options: { volumeSize: '1Gi' } },
        { label: 'DeploymentConfig', options: { deploymentConfig: true } },
      ];
      for (const { label, options } of courses) {
        it(`is what the course template (${label}) builds from, and rebuilds on`, () => {
          const course = processTemplate(openshiftTemplate(stack, options), { APPLICATION_NAME: 'nb', REPOSITORY_URL: COURSE }).objects;
          const courseBuild = course.find((o) => o.kind === 'BuildConfig') as Obj;
          // Same project (an empty namespace is the BuildConfig's own), same ImageStreamTag.
          expect(courseBuild.spec.strategy.sourceStrategy.from).to.deep.equal({ kind: 'ImageStreamTag', name: build.spec.output.to.name, namespace: '' });
          // Without `from`, the trigger follows that builder tag: a new builder rebuilds the course.
          expect(courseBuild.spec.triggers).to.deep.include({ type: 'ImageChange', imageChange: {} });
        });
      }
    });
  }
});

describe('templateDefinition: --builder', () => {
  const fails = (request: TemplateRequest, message: string) => {
    expect(() => templateDefinition(request))
      .to.throw(message)
      .with.property('exitCode', 2);
  };

  it('gives the builder template of the stack', () => {
    const { format, manifest } = templateDefinition({ stack: 'r-notebook', format: 'openshift', builder: true });
    expect(format).to.equal('openshift');
    expect(manifest).to.deep.equal(openshiftBuilderTemplate(findStack('r-notebook')!, { repositoryUrl: tjs2iRepositoryUrl() }));
    expect((manifest as { metadata: { name: string } }).metadata.name).to.equal('jupyter-r-notebook-builder');
  });

  it('refuses --format kubernetes and the options of a notebook (exit code 2)', () => {
    fails({ stack: 'minimal-notebook', format: 'kubernetes', builder: true }, '--builder is for --format openshift');
    fails({ stack: 'minimal-notebook', builder: true, memory: '2Gi' }, "--memory is for a notebook's definition");
    fails({ stack: 'minimal-notebook', builder: true, volumeSize: '1Gi' }, '--volume-size is for');
    fails({ stack: 'minimal-notebook', builder: true, deploymentConfig: true }, '--deployment-config is for');
    fails({ stack: 'minimal-notebook', builder: true, image: 'x:1' }, '--image is for');
    fails({ stack: 'no-such-notebook', builder: true }, 'unknown stack');
    expect(() => templateDefinition({ stack: 'minimal-notebook', builder: true, deploymentConfig: false })).not.to.throw();
  });
});
