/**
 * `tjs2i template <stack> --format jupyterhub`: the Helm values, merged into the Zero to JupyterHub
 * chart's defaults as Helm merges them, must pass the chart's own schema for every stack, and a
 * misspelt key must not (the schema's free-form parts checked strictly besides); the user pod
 * KubeSpawner makes from them must meet the restricted Pod Security Standard under an arbitrary UID
 * with group 0; and the YAML must say the same values as the object, with its comments.
 */
import { expect } from 'chai';
import { load } from 'js-yaml';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { PodSpec } from 'kubernetes-models/v1/PodSpec';
import { STACKS } from '../../../src/builder/stacks.js';
import { DEFAULT_UID } from '../../../src/deploy/manifests/kubernetes-manifests.js';
import { chartImage, Z2JH_CHART_VERSION, type JupyterhubValues } from '../../../src/deploy/manifests/jupyterhub-values.js';
import { templateDefinition, type TemplateRequest } from '../../../src/deploy/template-definition.js';
import { helmCoalesce, type Values } from '../../support/kubernetes/helm-values.js';
import { kubespawnerPod } from '../../support/kubernetes/kubespawner-pod.js';
import { restrictedViolations } from '../../support/kubernetes/pod-security.js';
import { chartDefaults, chartErrors, chartVersion, freeFormErrors } from '../../support/kubernetes/z2jh-chart.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const IMAGE = 'registry.example.com/course/my-course:1';

function definition(request: Partial<TemplateRequest> = {}) {
  return templateDefinition({ stack: 'minimal-notebook', format: 'jupyterhub', image: IMAGE, ...request });
}
const valuesOf = (request: Partial<TemplateRequest> = {}) => definition(request).manifest as JupyterhubValues;
/** The values as Helm renders the chart with them. */
const merged = (values: object): Values => helmCoalesce(chartDefaults(), values as Values);
/** A copy of the values with one change made by `edit`. */
const edited = (edit: (values: Obj) => void): Obj => {
  const values = structuredClone(valuesOf()) as Obj;
  edit(values);
  return values;
};

describe('JupyterHub Helm values, checked against the Zero to JupyterHub chart', () => {
  it("the chart's own defaults pass its schema, and the reference is the chart version the values name", () => {
    expect(chartErrors(chartDefaults())).to.deep.equal([]);
    expect(chartVersion()).to.equal(Z2JH_CHART_VERSION);
  });

  for (const stack of STACKS) {
    describe(stack.name, () => {
      const values = valuesOf({ stack: stack.name });
      // Read in a hook, not while mocha loads the file: a missing chart reference fails these tests, not the run.
      let full: Values;
      let pod: IPodSpec;
      before(() => {
        full = merged(values);
        pod = kubespawnerPod(full);
      });

      it("merged into the chart's defaults, pass the chart's schema; their free-form parts hold only real fields", () => {
        expect(chartErrors(full)).to.deep.equal([]);
        expect(freeFormErrors(values as unknown as Values)).to.deep.equal([]);
      });

      it("leave the command to the image (run): the chart's jupyterhub-singleuser is deleted by cmd: null", () => {
        expect(values.singleuser.cmd).to.equal(null);
        expect((chartDefaults().singleuser as Obj).cmd, 'the default the null deletes').to.equal('jupyterhub-singleuser');
        expect(full.singleuser).not.to.have.property('cmd');
        expect(pod.containers[0]).not.to.have.any.keys('args', 'command');
      });

      it('make a pod that meets the restricted Pod Security Standard, under an arbitrary UID with group 0 and fsGroup 0, without a token', () => {
        expect(restrictedViolations(pod)).to.deep.equal([]);
        expect(() => new PodSpec(pod).validate()).not.to.throw();
        expect(pod.securityContext).to.deep.include({ runAsNonRoot: true, runAsGroup: 0, fsGroup: 0, fsGroupChangePolicy: 'OnRootMismatch' });
        expect(pod.containers[0]!.securityContext).to.deep.include({
          runAsUser: DEFAULT_UID,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(pod.automountServiceAccountToken).to.equal(false);
        expect(pod.initContainers ?? []).to.deep.equal([]);
      });

      it("run the image given, with each user's volume on work/, and the stack's memory and CPU in units the hub reads", () => {
        expect(pod.containers[0]!.image).to.equal(IMAGE);
        expect(pod.containers[0]!.volumeMounts).to.deep.equal([{ name: 'volume-student', mountPath: '/home/jovyan/work' }]);
        expect((full.singleuser as Obj).storage).to.deep.include({ type: 'dynamic', capacity: '1Gi', homeMountPath: '/home/jovyan/work' });
        const limits = pod.containers[0]!.resources!.limits!;
        expect(Number(limits.memory)).to.equal(Number(pod.containers[0]!.resources!.requests!.memory) * 2);
        expect(Number(limits.memory)).to.be.at.least(1024 ** 3);
        expect(values.singleuser.cpu.guarantee).to.equal(0.1);
        expect(values.singleuser.startTimeout).to.equal(600);
        expect(values.cull).to.deep.equal({ enabled: true, timeout: 3600, every: 300 });
      });
    });
  }

  it("are refused by the chart's schema when a key is misspelt, naming it", () => {
    const cases: Array<[string, (v: Obj) => void, string]> = [
      ['singleuser.startTimout', (v) => (v.singleuser.startTimout = v.singleuser.startTimeout), '/singleuser must NOT have additional properties: startTimout'],
      ['cull.timout', (v) => (v.cull.timout = 60), '/cull must NOT have additional properties: timout'],
      ['singleuser.image.tg', (v) => (v.singleuser.image.tg = '2'), '/singleuser/image must NOT have additional properties: tg'],
      ['singleuser.fsGid as a string', (v) => (v.singleuser.fsGid = '0'), '/singleuser/fsGid must be integer,null'],
      ['singleuser.storage.type', (v) => (v.singleuser.storage.type = 'dynamik'), '/singleuser/storage/type must be equal to one of the allowed values'],
    ];
    for (const [what, edit, error] of cases) expect(chartErrors(merged(edited(edit))), what).to.include(error);
  });

  it('are refused by the strict check of the parts the schema leaves free-form when a key is misspelt there', () => {
    const cases: Array<[string, (v: Obj) => void, string]> = [
      [
        'extraPodConfig.securityContex',
        (v) => (v.singleuser.extraPodConfig.securityContex = v.singleuser.extraPodConfig.securityContext),
        'singleuser.extraPodConfig.securityContex: unknown field',
      ],
      [
        'extraPodConfig.automountServiceAccountTokens',
        (v) => (v.singleuser.extraPodConfig.automountServiceAccountTokens = false),
        'singleuser.extraPodConfig.automountServiceAccountTokens: unknown field',
      ],
      [
        'extraPodConfig.securityContext.runAsGrop',
        (v) => (v.singleuser.extraPodConfig.securityContext.runAsGrop = 0),
        'singleuser.extraPodConfig.securityContext: runAsGrop: unknown field',
      ],
      [
        'container_securiy_context',
        (v) => (v.hub.config.KubeSpawner.container_securiy_context = {}),
        'hub.config.KubeSpawner.container_securiy_context: unknown field',
      ],
      [
        'container_security_context.runAsNonroot',
        (v) => (v.hub.config.KubeSpawner.container_security_context.runAsNonroot = true),
        'hub.config.KubeSpawner.container_security_context: runAsNonroot: unknown field',
      ],
    ];
    for (const [what, edit, error] of cases) {
      const values = edited(edit);
      expect(chartErrors(merged(values)), `${what}: the chart's schema does not see it`).to.deep.equal([]);
      expect(freeFormErrors(values), what).to.include(error);
    }
    // kubernetes-models checks the types there.
    const wrongType = edited((v) => (v.singleuser.extraPodConfig.securityContext.fsGroupChangePolicy = 'Sometimes'));
    expect(freeFormErrors(wrongType).join('\n')).to.include('fsGroupChangePolicy');
  });

  it("make a pod the restricted standard refuses with the chart's default blockWithIptables: true (the key matters)", () => {
    const values = edited((v) => delete v.singleuser.cloudMetadata);
    expect(chartErrors(merged(values))).to.deep.equal([]);
    const pod = kubespawnerPod(merged(values));
    expect(pod.initContainers!.map((c) => c.name)).to.deep.equal(['block-cloud-metadata']);
    expect(restrictedViolations(pod)).to.include.members([
      'initContainers block-cloud-metadata: privileged=true',
      'initContainers block-cloud-metadata: capability NET_ADMIN added',
    ]);
  });

  it("would lose fsGroup without repeating it in extraPodConfig (which replaces KubeSpawner's pod securityContext), and group 0 without runAsGroup", () => {
    const values = edited((v) => {
      delete v.singleuser.extraPodConfig.securityContext.fsGroup;
      delete v.singleuser.extraPodConfig.securityContext.runAsGroup;
    });
    const pod = kubespawnerPod(merged(values));
    expect(pod.securityContext).not.to.have.any.keys('fsGroup', 'runAsGroup');
    expect(kubespawnerPod(merged(edited((v) => delete v.singleuser.extraPodConfig))).securityContext).to.deep.equal({ fsGroup: 0 });
  });

  it("would run the chart's jupyterhub-singleuser, bypassing run, if cmd were left out", () => {
    const pod = kubespawnerPod(merged(edited((v) => delete v.singleuser.cmd)));
    expect(pod.containers[0]!.args).to.deep.equal(['jupyterhub-singleuser']);
  });

  it('take --uid, --memory and --volume-size (converted to the units the hub reads)', () => {
    const values = valuesOf({ stack: 'scipy-notebook', uid: 123456, memory: '3Gi', volumeSize: '5Gi' });
    expect(values.singleuser.uid).to.equal(123456);
    expect(values.singleuser.memory).to.deep.equal({ limit: '3G', guarantee: '1536M' });
    expect(values.singleuser.cpu).to.deep.equal({ limit: 2, guarantee: 0.1 });
    expect(values.singleuser.storage.capacity).to.equal('5Gi');
    const pod: IPodSpec = kubespawnerPod(merged(values));
    expect(pod.containers[0]!.securityContext!.runAsUser).to.equal(123456);
    expect(pod.containers[0]!.resources!.limits!.memory).to.equal(String(3 * 1024 ** 3));
    expect(chartErrors(merged(valuesOf({ memory: '2G' })))).to.deep.equal([]);
    expect(valuesOf({ memory: '2G' }).singleuser.memory.limit).to.equal(2_000_000_000);
  });

  it('split the image as the chart joins it (name:tag), digests and the tag latest included', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const cases: Array<[string, object]> = [
      [IMAGE, { name: 'registry.example.com/course/my-course', tag: '1' }],
      ['localhost:5000/course:2024', { name: 'localhost:5000/course', tag: '2024' }],
      ['course', { name: 'course', tag: 'latest', pullPolicy: 'Always' }],
      ['quay.io/me/course:latest', { name: 'quay.io/me/course', tag: 'latest', pullPolicy: 'Always' }],
      [`quay.io/me/course@${digest}`, { name: 'quay.io/me/course@sha256', tag: 'ab'.repeat(32) }],
      [`localhost:5000/me/course:1@${digest}`, { name: 'localhost:5000/me/course:1@sha256', tag: 'ab'.repeat(32) }],
    ];
    for (const [image, expected] of cases) {
      expect(chartImage(image), image).to.deep.equal(expected);
      const values = valuesOf({ image });
      expect(chartErrors(merged(values)), image).to.deep.equal([]);
      // What the pod runs: the reference given, with the tag latest when it had none.
      expect(kubespawnerPod(merged(values)).containers[0]!.image, image).to.equal(/:[^/]+$/.test(image) ? image : `${image}:latest`);
    }
  });
});

describe('JupyterHub Helm values: the YAML', () => {
  it('says exactly the values (cmd: null written out, a numeric tag kept a string), for every stack', () => {
    for (const stack of STACKS) {
      const { manifest, text } = definition({ stack: stack.name, image: 'registry.example.com/course:2024', users: 300 });
      expect(load(text), stack.name).to.deep.equal(manifest);
    }
    const { text } = definition({ image: 'registry.example.com/course:2024' });
    expect(text).to.match(/^ {2}cmd: null$/m);
    expect(text).to.match(/^ {4}tag: "2024"$/m);
    expect((load(text) as Obj).singleuser.image.tag).to.equal('2024');
  });

  it('opens with what the file is, the helm command that installs it and the authenticator to set', () => {
    const { text } = definition({ valuesFile: 'class.yaml' });
    const header = text.slice(0, text.indexOf('\nsingleuser:'));
    expect(
      header.split('\n').every((line) => line === '' || line.startsWith('#')),
      'the header is all comments',
    ).to.equal(true);
    expect(header).to.include('Zero to JupyterHub').and.include(IMAGE).and.include('minimal-notebook');
    expect(header).to.include('helm upgrade --cleanup-on-fail --install jupyterhub jupyterhub');
    expect(header).to.include(`--repo https://hub.jupyter.org/helm-chart/ --version ${Z2JH_CHART_VERSION}`);
    expect(header).to.include('--values class.yaml');
    expect(header).to.include('DummyAuthenticator').and.include('hub.config.JupyterHub.authenticator_class');
    expect(definition({ valuesFile: 'my class.yaml' }).text, 'a path that would need quoting is not shown').to.include('--values values.yaml');
    expect(definition({}).text).to.include('--values values.yaml');
  });

  it('says what a class needs with --users (memory requested × N), and per user without', () => {
    const { text } = definition({ users: 300 });
    expect(text).to.include('# Per user: memory 512M requested, up to 1G; CPU 0.1 cores requested, up to 1 core; a 1Gi volume.');
    expect(text).to.include('For 300 users at once: memory 300 × 512M = 150G requested (limits up to 300G);');
    expect(text).to.include('CPU 300 × 0.1 = 30 cores requested (limits up to 300 cores);');
    expect(text).to.include('storage 300 × 1Gi = 300Gi.');
    const spark = definition({ stack: 'all-spark-notebook', users: 25, volumeSize: '2Gi' }).text;
    expect(spark).to.include('memory 25 × 2G = 50G requested (limits up to 100G)').and.include('storage 25 × 2Gi = 50Gi');
    expect(definition({ users: 1 }).text).to.include('For 1 user at once');
    expect(definition().text).to.include('multiply by the number of students').and.not.include(' × ');
  });

  it('explains the keys that are not obvious, right above them', () => {
    const { text } = definition();
    const lines = text.split('\n');
    /** The comment lines right above the first line of `key`. */
    const above = (key: string) => {
      const at = lines.findIndex((line) => line.trimStart().startsWith(`${key}:`));
      expect(at, key).to.be.above(0);
      let first = at;
      while (lines[first - 1]!.trimStart().startsWith('#')) first -= 1;
      return lines.slice(first, at).join('\n');
    };
    expect(above('cmd')).to.match(/null deletes the chart's default command[^]*the image's run seeds .*jupyterhub-singleuser itself\.$/);
    expect(above('securityContext')).to.include('fsGroup is repeated here on purpose');
    expect(above('cloudMetadata')).to.include('NetworkPolicies');
    expect(text).to.include('privileged init container');
    expect(above('uid')).to.include('fsGroup below');
    expect(definition({ image: 'course' }).text).to.match(/# The tag latest moves[^\n]*\n {4}pullPolicy: Always\n/);
  });
});

describe('templateDefinition: --format jupyterhub options', () => {
  const fails = (request: Partial<TemplateRequest>, message: string) => {
    expect(() => templateDefinition({ stack: 'minimal-notebook', ...request }))
      .to.throw(message)
      .with.property('exitCode', 2);
  };
  const hub = { format: 'jupyterhub', image: IMAGE };

  it('needs a valid --image reference', () => {
    fails({ format: 'jupyterhub' }, '--format jupyterhub needs --image');
    fails({ format: 'jupyterhub', image: 'Registry.example.com/Course:1' }, '--image Registry.example.com/Course:1: not an image reference');
    fails({ format: 'jupyterhub', image: 'a b' }, 'not an image reference');
    fails({ format: 'jupyterhub', image: 'x\ny' }, '--image x\\ny: not an image reference');
    fails({ format: 'jupyterhub', image: '' }, 'not an image reference');
  });

  it("refuses the other formats' options, and --users with them", () => {
    fails({ ...hub, name: 'course' }, '--name is not for --format jupyterhub');
    fails({ ...hub, host: 'hub.example.com' }, '--host is not for --format jupyterhub');
    fails({ ...hub, deploymentConfig: true }, '--deployment-config is not for --format jupyterhub');
    fails({ ...hub, builder: true }, '--builder is for --format openshift');
    fails({ users: 30 }, '--users is for --format jupyterhub');
    fails({ format: 'kubernetes', image: IMAGE, users: 30 }, '--users is for --format jupyterhub');
    fails({ image: IMAGE }, '--image is for --format kubernetes or jupyterhub');
    fails({ uid: 5 }, '--uid is for --format kubernetes or jupyterhub');
    fails({ host: 'a.example.com' }, '--host is for --format kubernetes');
  });

  it('refuses a class size that is not an integer from 1 to 100000, a bad UID and bad quantities', () => {
    for (const users of [0, -3, 1.5, Number.NaN, 100_001]) fails({ ...hub, users }, `--users ${users}: not a class size`);
    for (const users of [1, 100_000]) expect(() => templateDefinition({ stack: 'minimal-notebook', ...hub, users })).not.to.throw();
    fails({ ...hub, uid: 0 }, '--uid 0: not a non-root UID');
    fails({ ...hub, memory: '2 GB' }, '--memory 2 GB: not a Kubernetes quantity');
    fails({ ...hub, volumeSize: 'big' }, '--volume-size big: not a Kubernetes quantity');
  });
});
