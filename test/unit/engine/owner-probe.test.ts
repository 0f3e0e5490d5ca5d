import { expect } from 'chai';
import { parseStatOwners, STAT_FORMAT } from '../../../src/engine/owner-probe.js';

describe('owner-probe: owners from stat -c FORMAT in a throwaway container (Podman)', () => {
  it('asks stat for uid, gid and the name, in that order', () => {
    expect(STAT_FORMAT).to.equal('%u %g %n');
  });

  it('reads each line naming a path asked for, a name with spaces too', () => {
    const owners = parseStatOwners('1000 0 /home/jovyan\n0 100 /home/jovyan/my work\n', ['/home/jovyan', '/home/jovyan/my work']);
    expect([...owners]).to.deep.equal([
      ['/home/jovyan', { uid: 1000, gid: 0 }],
      ['/home/jovyan/my work', { uid: 0, gid: 100 }],
    ]);
  });

  it('leaves out paths stat did not reach, lines of other paths and anything else', () => {
    const output = "stat: cannot statx '/nope': No such file or directory\n1000 0 /other\n12 x /a\n1000 0 /a/b\n\n";
    expect([...parseStatOwners(output, ['/nope', '/a', '/a/b'])]).to.deep.equal([['/a/b', { uid: 1000, gid: 0 }]]);
  });
});
