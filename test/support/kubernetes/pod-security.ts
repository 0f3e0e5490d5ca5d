/**
 * The "restricted" Pod Security Standard (kubernetes.io/docs/concepts/security/pod-security-standards,
 * the baseline controls plus the restricted ones), checked on a pod spec: what the PodSecurity
 * admission controller would refuse in a namespace labelled pod-security.kubernetes.io/enforce=restricted.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

type SeLinux = { user?: string; role?: string; type?: string } | undefined;

export function restrictedViolations(pod: IPodSpec, annotations: Record<string, string> = {}): string[] {
  const v: string[] = [];
  const podContext = pod.securityContext ?? {};
  const containers: Array<[string, IContainer]> = [
    ...(pod.initContainers ?? []).map((c): [string, IContainer] => [`initContainers ${c.name}`, c]),
    ...(pod.containers ?? []).map((c): [string, IContainer] => [`container ${c.name}`, c]),
    ...(pod.ephemeralContainers ?? []).map((c): [string, IContainer] => [`ephemeralContainers ${c.name}`, c as IContainer]),
  ];
  // Baseline: host namespaces, HostProcess, hostPath, host ports, /proc mount, AppArmor, SELinux, sysctls.
  if (pod.hostNetwork) v.push('hostNetwork=true');
  if (pod.hostPID) v.push('hostPID=true');
  if (pod.hostIPC) v.push('hostIPC=true');
  if (podContext.windowsOptions?.hostProcess) v.push('pod hostProcess=true');
  const selinux = (where: string, options: SeLinux) => {
    if (!options) return;
    if (options.type !== undefined && !SELINUX_TYPES.includes(options.type)) v.push(`${where} seLinuxOptions.type=${options.type}`);
    if (options.user) v.push(`${where} seLinuxOptions.user set`);
    if (options.role) v.push(`${where} seLinuxOptions.role set`);
  };
  selinux('pod', podContext.seLinuxOptions);
  for (const sysctl of podContext.sysctls ?? []) if (!SAFE_SYSCTLS.includes(sysctl.name)) v.push(`unsafe sysctl ${sysctl.name}`);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      v.push(`AppArmor annotation ${key}=${value}`);
    }
  }
  const appArmor = (where: string, type: string | undefined) => {
    if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost') v.push(`${where} appArmorProfile.type=${type}`);
  };
  appArmor('pod', podContext.appArmorProfile?.type);
  // Restricted: volume types.
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((k) => k !== 'name');
    for (const type of types)
      if (!RESTRICTED_VOLUMES.includes(type)) v.push(`volume ${volume.name}: type ${type} is not allowed${type === 'hostPath' ? ' (hostPath)' : ''}`);
  }
  // Restricted: non-root, non-zero UID, seccomp at the pod level (containers may set them instead).
  if (podContext.runAsUser === 0) v.push('pod runAsUser=0');
  const podSeccomp = podContext.seccompProfile?.type;
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') v.push(`pod seccompProfile.type=${podSeccomp}`);
  for (const [where, container] of containers) {
    const context = container.securityContext ?? {};
    if (context.privileged) v.push(`${where}: privileged=true`);
    if (context.windowsOptions?.hostProcess) v.push(`${where}: hostProcess=true`);
    if (context.procMount !== undefined && context.procMount !== 'Default') v.push(`${where}: procMount=${context.procMount}`);
    for (const port of container.ports ?? []) if (port.hostPort) v.push(`${where}: hostPort ${port.hostPort}`);
    selinux(where, context.seLinuxOptions);
    appArmor(where, context.appArmorProfile?.type);
    if (context.allowPrivilegeEscalation !== false) v.push(`${where}: allowPrivilegeEscalation must be false`);
    const drop = context.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) v.push(`${where}: capabilities.drop must include ALL`);
    for (const cap of context.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${where}: capability ${cap} added`);
    const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (nonRoot !== true) v.push(`${where}: runAsNonRoot must be true (on the pod or the container)`);
    if (context.runAsUser === 0) v.push(`${where}: runAsUser=0`);
    const seccomp = context.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      v.push(`${where}: seccompProfile.type must be RuntimeDefault or Localhost (on the pod or the container)`);
  }
  return v;
}
