/**
 * The JupyterHub Helm values as the YAML file a teacher keeps and hands to `helm`: a header (what the
 * file is, the helm command that installs it, the authenticator to choose before the address is
 * shared, what a class costs in memory, CPU and storage) and, above the keys that are not obvious,
 * why they hold what they hold. Every value is written by the `yaml` library (so a tag `2024` stays a
 * string and `cmd: null` is written as such); the comments are what it adds.
 */
import { Document, isMap, isScalar } from 'yaml';
import { VALUE_COMMENTS, Z2JH_CHART_REPOSITORY, Z2JH_CHART_VERSION, type JupyterhubValues } from './jupyterhub-values.js';
import { byteSpecification, cores, kubernetesQuantity, quantityBytes, type StackResources } from './stack-resources.js';

export interface ValuesTextOptions {
  stack: string;
  image: string;
  resources: StackResources;
  volumeSize: string;
  /** The class size: the header then says what it costs. */
  users?: number;
  /** The file the helm command in the header names (the --output given); values.yaml otherwise. */
  valuesFile?: string;
}

/** A path the header's helm command can show as it is (anything else would need quoting). */
const PLAIN_PATH = /^[\w@%+=:,./-]+$/;

const memory = (bytes: bigint): string => String(byteSpecification(bytes));
const cpu = (millis: number): string => `${cores(millis)} ${millis === 1000 ? 'core' : 'cores'}`;

function sizing(options: ValuesTextOptions): string[] {
  const { resources, volumeSize, users } = options;
  const perUser = [
    `Per user: memory ${memory(resources.memoryGuarantee)} requested, up to ${memory(resources.memoryLimit)};`,
    `CPU ${cpu(resources.cpuGuaranteeMillis)} requested, up to ${cpu(resources.cpuLimitMillis)}; a ${volumeSize} volume.`,
  ].join(' ');
  if (users === undefined) {
    return [perUser, 'For a class, multiply by the number of students (--users N says it here), and add the hub, the proxy and the user scheduler.'];
  }
  const n = BigInt(users);
  return [
    perUser,
    `For ${users} ${users === 1 ? 'user' : 'users'} at once: memory ${users} × ${memory(resources.memoryGuarantee)} = ${memory(resources.memoryGuarantee * n)} requested` +
      ` (limits up to ${memory(resources.memoryLimit * n)});`,
    `CPU ${users} × ${cores(resources.cpuGuaranteeMillis)} = ${cpu(resources.cpuGuaranteeMillis * users)} requested` +
      ` (limits up to ${cpu(resources.cpuLimitMillis * users)});`,
    `storage ${users} × ${volumeSize} = ${kubernetesQuantity(quantityBytes(volumeSize) * n)}. Add the hub, the proxy and the user scheduler.`,
    'Only running servers take memory and CPU: the culler stops idle ones.',
  ];
}

function header(options: ValuesTextOptions): string[] {
  const file = options.valuesFile !== undefined && PLAIN_PATH.test(options.valuesFile) ? options.valuesFile : 'values.yaml';
  return [
    `Helm values for the Zero to JupyterHub chart (https://z2jh.jupyter.org), made by tjs2i template ${options.stack} --format jupyterhub:`,
    `every user of the hub gets a server of their own from the course image ${options.image}, under an arbitrary UID with group 0.`,
    '',
    `Install, and update after every change (chart ${Z2JH_CHART_VERSION}, the version these values are written for):`,
    '  helm upgrade --cleanup-on-fail --install jupyterhub jupyterhub \\',
    `    --repo ${Z2JH_CHART_REPOSITORY} --version ${Z2JH_CHART_VERSION} \\`,
    `    --namespace jupyterhub --create-namespace --values ${file}`,
    "The hub's address: kubectl --namespace jupyterhub get service proxy-public.",
    'A new version of the course: a new image tag in singleuser.image.tag, then the same command;',
    "running servers keep the old image until they stop, and students' files in work/ are kept.",
    '',
    "Before students get the address: the chart's default authenticator (DummyAuthenticator) lets anyone in,",
    'with any name and any password. Set hub.config.JupyterHub.authenticator_class and its settings',
    '(https://z2jh.jupyter.org/en/stable/administrator/authentication.html).',
    "The cloud's metadata server (node credentials, often) is kept from students' code only by the chart's",
    "NetworkPolicy here (the chart's privileged iptables block is off: the restricted standard refuses it):",
    'check that the cluster enforces NetworkPolicies, or block 169.254.169.254 for pods another way.',
    '',
    ...sizing(options),
  ];
}

export function jupyterhubValuesYaml(values: JupyterhubValues, options: ValuesTextOptions): string {
  const doc = new Document(values);
  for (const [path, comment] of Object.entries(VALUE_COMMENTS)) {
    const keys = path.split('.');
    const parent = keys.length === 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
    if (!isMap(parent)) continue;
    // A key the values do not have this time (pullPolicy is there only for the tag latest).
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === keys.at(-1));
    if (pair && isScalar(pair.key)) pair.key.commentBefore = comment.replace(/^/gm, ' ');
  }
  // A blank line between the top-level sections.
  if (isMap(doc.contents)) for (const item of doc.contents.items.slice(1)) if (isScalar(item.key)) item.key.spaceBefore = true;
  const lines = header(options).map((line) => (line === '' ? '#' : `# ${line}`));
  return `${lines.join('\n')}\n\n${doc.toString({ lineWidth: 0 })}`;
}
