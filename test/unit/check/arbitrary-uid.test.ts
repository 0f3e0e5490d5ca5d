import { expect } from 'chai';
import { ARBITRARY_UID_RANGE, arbitraryUid, userSpec } from '../../../src/check/arbitrary-uid.js';

describe('check: the arbitrary UID', () => {
  it('comes from the range OpenShift gives projects, both ends included, never root; group 0', () => {
    expect(arbitraryUid((min) => min)).to.equal(ARBITRARY_UID_RANGE.min);
    expect(arbitraryUid((_, max) => max - 1)).to.equal(ARBITRARY_UID_RANGE.max);
    for (let i = 0; i < 100; i++) expect(arbitraryUid()).to.be.within(ARBITRARY_UID_RANGE.min, ARBITRARY_UID_RANGE.max);
    expect(userSpec(1000771234)).to.equal('1000771234:0');
  });
});
