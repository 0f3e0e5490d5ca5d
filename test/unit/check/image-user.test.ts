import { expect } from 'chai';
import { numericUid, userFacts, userLine } from '../../../src/check/image-user.js';

const PASSWD = ['root:x:0:0:root:/root:/bin/bash', 'jovyan:x:1000:100::/home/jovyan:/bin/bash', 'admin:x:0:0::/root:/bin/sh', ''].join('\n');

describe('check: USER', () => {
  it('passes a numeric USER that is not root, with or without a group', () => {
    for (const user of ['1000', '1000:0', '1000:100', '1000:users', ' 1000 ']) {
      const result = userLine(userFacts(user, undefined), false);
      expect(result.status, user).to.equal('pass');
      expect(result.found).to.equal(`USER ${user.trim()}: numeric, not root`);
    }
  });

  it('fails root, as a number or as no USER at all', () => {
    expect(userLine(userFacts('0', undefined), false)).to.deep.include({ status: 'fail', found: 'USER 0 is root' });
    expect(userLine(userFacts('0:0', undefined), false)).to.deep.include({ status: 'fail', found: 'USER 0:0 is root' });
    expect(userLine(userFacts('', undefined), false)).to.deep.include({ status: 'fail', found: 'no USER: it runs as root' });
  });

  it("fails a name, resolved to its UID through the image's /etc/passwd, and suggests that UID", () => {
    const facts = userFacts('jovyan', PASSWD);
    expect(facts.entry?.uid).to.equal(1000);
    expect(userLine(facts, true)).to.deep.equal({
      id: 'user',
      status: 'fail',
      found: 'USER jovyan is a name (uid 1000 in /etc/passwd): the platform cannot tell it is not root',
      advice: 'declare a numeric non-root USER (`USER 1000`), or run `tjs2i builder` on it',
    });
  });

  it('suggests `tjs2i builder` only for a Jupyter stack', () => {
    expect(userLine(userFacts('jovyan', PASSWD), false).advice).to.equal('declare a numeric non-root USER (`USER 1000`)');
  });

  it('fails a name that is root, and a name /etc/passwd does not have (or that cannot be read)', () => {
    expect(userLine(userFacts('admin', PASSWD), false).found).to.equal('USER admin is a name, and root (uid 0 in /etc/passwd)');
    expect(userLine(userFacts('nobody-here', PASSWD), false)).to.deep.include({ status: 'fail' });
    expect(userLine(userFacts('nobody-here', PASSWD), false).found).to.contain('a name that /etc/passwd does not have');
    expect(userLine(userFacts('jovyan', undefined), false).found).to.contain('a name that /etc/passwd does not have');
  });

  it('reads the UID of a USER that starts with a number', () => {
    expect(numericUid('1000')).to.equal(1000);
    expect(numericUid('1000:users')).to.equal(1000);
    expect(numericUid('jovyan')).to.equal(undefined);
    expect(numericUid('1000x')).to.equal(undefined);
    expect(numericUid('')).to.equal(undefined);
  });
});
