import { expect } from 'chai';
import { checkOpenShiftObject, checkTemplate } from '../../support/kubernetes/openshift-schema.js';

describe("openshift-schema (the tests' OpenShift field checker)", () => {
  const route = () => ({
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: { name: 'nb', labels: { app: 'nb' } },
    spec: {
      host: '',
      to: { kind: 'Service', name: 'nb', weight: 100 },
      port: { targetPort: '8888-tcp' },
      tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' },
    },
  });
  const buildConfig = () => ({
    apiVersion: 'build.openshift.io/v1',
    kind: 'BuildConfig',
    metadata: { name: 'nb' },
    spec: {
      triggers: [{ type: 'ConfigChange' }, { type: 'ImageChange', imageChange: {} }],
      source: { type: 'Git', git: { uri: 'https://example.com/r.git', ref: '' }, contextDir: '' },
      strategy: { type: 'Source', sourceStrategy: { from: { kind: 'ImageStreamTag', name: 'b:latest', namespace: '' } } },
      output: { to: { kind: 'ImageStreamTag', name: 'nb:latest' } },
    },
  });

  it('accepts valid objects', () => {
    expect(checkOpenShiftObject(route())).to.deep.equal([]);
    expect(checkOpenShiftObject(buildConfig())).to.deep.equal([]);
    expect(
      checkOpenShiftObject({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'nb' }, spec: { lookupPolicy: { local: true } } }),
    ).to.deep.equal([]);
  });

  it('reports unknown (misspelt) fields with their path', () => {
    const r = route() as Record<string, unknown> & { spec: Record<string, unknown> };
    r.spec.tsl = r.spec.tls;
    expect(checkOpenShiftObject(r)).to.deep.equal(['spec.tsl: unknown field']);
    const b = buildConfig();
    (b.spec.strategy as Record<string, unknown>).sourceStrategy = { from: { kind: 'ImageStreamTag', name: 'b' }, incrementel: true };
    expect(checkOpenShiftObject(b)).to.deep.equal(['spec.strategy.sourceStrategy.incrementel: unknown field']);
  });

  it('reports wrong types, values out of an enumeration and missing required fields', () => {
    const r = route();
    (r.spec.tls as Record<string, unknown>).termination = 'Edge';
    (r.spec.to as Record<string, unknown>).weight = '100';
    delete (r.spec.port as Record<string, unknown>).targetPort;
    expect(checkOpenShiftObject(r)).to.have.members([
      'spec.to.weight: must be an integer, not "100"',
      'spec.port.targetPort: required',
      'spec.tls.termination: "Edge" is not one of "edge", "passthrough", "reencrypt"',
    ]);
    const b = buildConfig();
    b.spec.strategy.sourceStrategy.from.kind = 'ImageStream';
    expect(checkOpenShiftObject(b)).to.deep.equal([
      'spec.strategy.sourceStrategy.from.kind: "ImageStream" is not one of "ImageStreamTag", "DockerImage", "ImageStreamImage"',
    ]);
  });

  it('checks names once processed, and the pod template of a DeploymentConfig with kubernetes-models', () => {
    const r = route();
    r.metadata.name = '${APPLICATION_NAME}';
    expect(checkOpenShiftObject(r, { processed: false })).to.deep.equal([]);
    expect(checkOpenShiftObject(r)[0]).to.match(/^metadata\.name: .* does not match/);
    const dc = {
      apiVersion: 'apps.openshift.io/v1',
      kind: 'DeploymentConfig',
      metadata: { name: 'nb' },
      spec: {
        replicas: 1,
        selector: { a: 'b' },
        strategy: { type: 'Recreate' },
        triggers: [{ type: 'ConfigChange' }],
        template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 'x' }] }] } },
      },
    };
    expect(checkOpenShiftObject(dc)).to.have.length(1);
    expect(checkOpenShiftObject(dc)[0]).to.include('containerPort must be integer');
  });

  it('checks a Docker-strategy BuildConfig and an ImageStream that imports on a schedule', () => {
    const docker = buildConfig() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    docker.spec.strategy = {
      type: 'Docker',
      dockerStrategy: { from: { kind: 'ImageStreamTag', name: 'up:latest' }, buildArgs: [{ name: 'NB_UID', value: '1000' }], dockerfilePath: 'Dockerfile' },
    };
    expect(checkOpenShiftObject(docker)).to.deep.equal([]);
    docker.spec.strategy.dockerStrategy = { from: { kind: 'ImageStreamTag', name: 'up:latest' }, buildArg: [], imageOptimizationPolicy: 'None' };
    expect(checkOpenShiftObject(docker)).to.have.members([
      'spec.strategy.dockerStrategy.buildArg: unknown field',
      'spec.strategy.dockerStrategy.imageOptimizationPolicy: "None" is not one of "NoLayers", "SkipLayers", "SkipLayersAndWarn"',
    ]);
    const stream = (importPolicy: object) => ({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'up' },
      spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: 'quay.io/jupyter/minimal-notebook:latest' }, importPolicy }] },
    });
    expect(checkOpenShiftObject(stream({ scheduled: true }))).to.deep.equal([]);
    expect(checkOpenShiftObject(stream({ schedule: true }))).to.deep.equal(['spec.tags[0].importPolicy.schedule: unknown field']);
    expect(checkOpenShiftObject(stream({ scheduled: 'true' }))).to.deep.equal(['spec.tags[0].importPolicy.scheduled: must be a boolean, not "true"']);
  });

  it('refuses kinds it does not know', () => {
    expect(checkOpenShiftObject({ kind: 'Deployment' })[0]).to.include('not an OpenShift kind');
  });

  it("checks a template's parameters", () => {
    const template = {
      apiVersion: 'template.openshift.io/v1',
      kind: 'Template',
      metadata: { name: 't' },
      parameters: [{ name: 'A', generate: 'expresion', from: 'x' }],
      objects: [],
    };
    expect(checkTemplate(template)).to.deep.equal(['parameters[0].generate: "expresion" is not one of "expression"']);
    expect(checkTemplate({ ...template, parameters: [{ name: 'A-B', requried: true }] })).to.have.members([
      'parameters[0].name: "A-B" does not match /^[a-zA-Z0-9_]+$/',
      'parameters[0].requried: unknown field',
    ]);
  });
});
