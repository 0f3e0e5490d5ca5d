import { expect } from 'chai';
import { LinkGroups } from '../../../../src/builder/rewrite/link-groups.js';

describe('link-groups: hard-linked names grouped by file', () => {
  it('follows chains and joins groups; names never linked are in no group', () => {
    const links = new LinkGroups();
    links.union('/b', '/a');
    links.union('/c', '/b');
    links.union('/y', '/x');
    const groups = links.groups().map((g) => [...g].sort());
    expect(groups.sort()).to.deep.equal([
      ['/a', '/b', '/c'],
      ['/x', '/y'],
    ]);
    links.union('/x', '/c');
    expect(links.groups().map((g) => [...g].sort())).to.deep.equal([['/a', '/b', '/c', '/x', '/y']]);
    expect(links.marked('/lonely')).to.equal(false);
  });

  it('a mark covers the whole group, including names joined after it', () => {
    const links = new LinkGroups();
    links.union('/home/x', '/etc/x');
    expect(links.marked('/etc/x')).to.equal(false);
    links.mark('/home/x');
    links.union('/usr/bin/x', '/etc/x');
    expect(['/etc/x', '/home/x', '/usr/bin/x'].map((n) => links.marked(n))).to.deep.equal([true, true, true]);
    links.union('/q', '/p');
    expect(links.marked('/q')).to.equal(false);
    links.union('/p', '/usr/bin/x');
    expect(links.marked('/q')).to.equal(true);
  });
});
