import { expect } from 'chai';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { restrictedViolations } from '../../support/kubernetes/pod-security.js';

describe("pod-security (the tests' restricted Pod Security Standard check)", () => {
  const good = (): IPodSpec => ({
    securityContext: { runAsNonRoot: true, runAsUser: 1000770000, runAsGroup: 0, fsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'i', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    volumes: [
      { name: 's', secret: { secretName: 's' } },
      { name: 'w', persistentVolumeClaim: { claimName: 'w' } },
    ],
  });

  it('accepts a restricted pod (group 0 and fsGroup 0 are allowed)', () => {
    expect(restrictedViolations(good())).to.deep.equal([]);
  });

  const cases: Array<[string, (pod: IPodSpec) => void, string]> = [
    ['root', (p) => (p.securityContext!.runAsUser = 0), 'pod runAsUser=0'],
    ['no runAsNonRoot', (p) => delete p.securityContext!.runAsNonRoot, 'runAsNonRoot must be true'],
    ['container runAsNonRoot false', (p) => (p.containers[0]!.securityContext!.runAsNonRoot = false), 'runAsNonRoot must be true'],
    ['escalation allowed', (p) => delete p.containers[0]!.securityContext!.allowPrivilegeEscalation, 'allowPrivilegeEscalation must be false'],
    ['capabilities kept', (p) => (p.containers[0]!.securityContext!.capabilities = { drop: ['NET_RAW'] }), 'capabilities.drop must include ALL'],
    ['capability added', (p) => (p.containers[0]!.securityContext!.capabilities!.add = ['SYS_ADMIN']), 'capability SYS_ADMIN added'],
    ['no seccomp', (p) => delete p.securityContext!.seccompProfile, 'seccompProfile.type must be RuntimeDefault'],
    ['unconfined', (p) => (p.securityContext!.seccompProfile = { type: 'Unconfined' }), 'pod seccompProfile.type=Unconfined'],
    ['hostPath', (p) => p.volumes!.push({ name: 'h', hostPath: { path: '/' } }), 'type hostPath is not allowed'],
    ['hostNetwork', (p) => (p.hostNetwork = true), 'hostNetwork=true'],
    ['privileged', (p) => (p.containers[0]!.securityContext!.privileged = true), 'privileged=true'],
    ['hostPort', (p) => (p.containers[0]!.ports = [{ containerPort: 80, hostPort: 80 }]), 'hostPort 80'],
    ['unsafe sysctl', (p) => (p.securityContext!.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), 'unsafe sysctl kernel.msgmax'],
    ['procMount', (p) => (p.containers[0]!.securityContext!.procMount = 'Unmasked'), 'procMount=Unmasked'],
  ];
  for (const [name, change, expected] of cases) {
    it(`refuses: ${name}`, () => {
      const pod = good();
      change(pod);
      const violations = restrictedViolations(pod);
      expect(violations.join('\n')).to.include(expected);
    });
  }
});
