import { expect } from 'chai';
import { commitChanges } from '../../../src/engine/commit-changes.js';
import { BuildFailedError } from '../../../src/common/errors.js';

describe("commitChanges: a commit's settings as Podman reads the changes of POST /commit", () => {
  it('gives CMD and ENTRYPOINT as JSON arrays (an empty entrypoint clears it), USER, and one LABEL per label with outer quotes only', () => {
    const changes = commitChanges({
      cmd: ['/usr/libexec/s2i/run'],
      entrypoint: [],
      user: '1000',
      labels: { 'io.openshift.s2i.build.image': 'b:1', odd: 'a "quoted" $HOME \\ value', empty: '' },
    });
    expect(changes).to.deep.equal([
      'CMD ["/usr/libexec/s2i/run"]',
      'ENTRYPOINT []',
      'USER 1000',
      'LABEL "io.openshift.s2i.build.image"="b:1"',
      'LABEL "odd"="a "quoted" $HOME \\ value"',
      'LABEL "empty"=""',
    ]);
  });

  it('refuses a label Podman would split or cut (a line break, a key with "="), in one line', () => {
    for (const labels of [{ note: 'two\nlines' }, { 'a=b': 'c' }] as Record<string, string>[]) {
      expect(() => commitChanges({ cmd: ['run'], entrypoint: [], user: '1000', labels }))
        .to.throw(BuildFailedError)
        .with.property('message')
        .that.matches(/cannot be committed on Podman/);
    }
  });
});
