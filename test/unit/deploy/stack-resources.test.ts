import { expect } from 'chai';
import fc from 'fast-check';
import { STACKS } from '../../../src/builder/stacks.js';
import { byteSpecification, kubernetesQuantity, quantityBytes, stackResources } from '../../../src/deploy/manifests/stack-resources.js';
import { byteSpecificationBytes } from '../../support/kubernetes/kubespawner-pod.js';

describe('stack-resources: Kubernetes quantities and JupyterHub ByteSpecifications', () => {
  it('reads a Kubernetes quantity as whole bytes, exactly', () => {
    const cases: Array<[string, bigint]> = [
      ['2Gi', 2n * 1024n ** 3n],
      ['1.5Gi', 1536n * 1024n ** 2n],
      ['512Mi', 512n * 1024n ** 2n],
      ['2G', 2_000_000_000n],
      ['1.5G', 1_500_000_000n],
      ['1e9', 1_000_000_000n],
      ['1E', 10n ** 18n],
      ['1Ei', 1024n ** 6n],
      ['.5Ki', 512n],
      ['1500M', 1_500_000_000n],
      ['100m', 1n],
      ['1500m', 2n],
      ['12e-1', 2n],
      ['7', 7n],
    ];
    for (const [quantity, bytes] of cases) expect(quantityBytes(quantity), quantity).to.equal(bytes);
    expect(() => quantityBytes('2 Gi')).to.throw('not a Kubernetes quantity');
    expect(() => quantityBytes('.')).to.throw('not a Kubernetes quantity');
  });

  it('writes bytes in the units JupyterHub reads: K/M/G/T as powers of 1024, else the integer', () => {
    expect(byteSpecification(quantityBytes('2Gi'))).to.equal('2G');
    expect(byteSpecification(quantityBytes('1.5Gi'))).to.equal('1536M');
    expect(byteSpecification(quantityBytes('512Mi'))).to.equal('512M');
    expect(byteSpecification(quantityBytes('4Ti'))).to.equal('4T');
    expect(byteSpecification(quantityBytes('2G')), 'decimal G is not a whole number of M').to.equal(2_000_000_000);
    expect(byteSpecification(quantityBytes('1Ki'))).to.equal(1024);
    expect(byteSpecification(quantityBytes('1E')), 'beyond 2^53 bytes: whole M, rounded up').to.equal('953674316407M');
  });

  it('round-trips through JupyterHub\'s own parsing of a ByteSpecification (which refuses "1Gi")', () => {
    expect(() => byteSpecificationBytes('1Gi')).to.throw('not a valid memory specification');
    expect(() => byteSpecificationBytes('1000000')).to.throw('not a valid memory specification');
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 52n }), (bytes) => {
        expect(BigInt(byteSpecificationBytes(byteSpecification(bytes)))).to.equal(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('writes totals as Kubernetes quantities: binary units first, then decimal ones', () => {
    expect(kubernetesQuantity(300n * quantityBytes('1Gi'))).to.equal('300Gi');
    expect(kubernetesQuantity(1024n * quantityBytes('1Gi'))).to.equal('1Ti');
    expect(kubernetesQuantity(300n * quantityBytes('10G'))).to.equal('3T');
    expect(kubernetesQuantity(7n)).to.equal('7');
  });

  it('gives each stack a memory limit (the Kubernetes default), half of it guaranteed, and CPU', () => {
    const byStack = Object.fromEntries(STACKS.map((s) => [s.name, stackResources(s.name)]));
    expect(byteSpecification(byStack['minimal-notebook']!.memoryLimit)).to.equal('1G');
    expect(byteSpecification(byStack['minimal-notebook']!.memoryGuarantee)).to.equal('512M');
    expect(byteSpecification(byStack['all-spark-notebook']!.memoryLimit)).to.equal('4G');
    expect(byStack['minimal-notebook']!.cpuLimitMillis).to.equal(1000);
    expect(byStack['r-notebook']!.cpuLimitMillis).to.equal(1000);
    expect(byStack['scipy-notebook']!.cpuLimitMillis).to.equal(2000);
    for (const resources of Object.values(byStack)) {
      expect(resources.memoryGuarantee * 2n).to.equal(resources.memoryLimit);
      expect(resources.cpuGuaranteeMillis).to.equal(100);
    }
    expect(byteSpecification(stackResources('scipy-notebook', '3Gi').memoryGuarantee)).to.equal('1536M');
  });
});
