import { expect } from 'chai';
import { describeDifferences, imageDifferences } from '../../../src/engine/image-check.js';
import { imageInfo } from '../../support/unit/fake-images.js';

describe('image-check', () => {
  const asked = { cmd: ['/usr/libexec/s2i/run'], entrypoint: ['tini', '-g', '--'], user: '1000', labels: { a: '1', blanked: '' } };
  const holding = imageInfo({ cmd: ['/usr/libexec/s2i/run'], entrypoint: ['tini', '-g', '--'], user: '1000', labels: { a: '1', extra: 'x' } });

  it('finds nothing when the image holds what was asked (extra labels, a blanked label missing or empty)', () => {
    expect(imageDifferences(asked, holding)).to.deep.equal([]);
    expect(imageDifferences(asked, { ...holding, labels: { a: '1', blanked: '' } })).to.deep.equal([]);
  });

  it('an asked empty Entrypoint matches null or [], not an entrypoint', () => {
    for (const entrypoint of [null, []]) expect(imageDifferences({ entrypoint: [] }, imageInfo({ entrypoint }))).to.deep.equal([]);
    expect(imageDifferences({ entrypoint: [] }, imageInfo({ entrypoint: ['/usr/bin/env'] }))).to.deep.equal([
      { field: 'Entrypoint', text: 'Entrypoint is ["/usr/bin/env"], not none' },
    ]);
    expect(imageDifferences({ entrypoint: ['tini'] }, imageInfo({ entrypoint: null }))[0]?.text).to.equal('Entrypoint is none, not ["tini"]');
  });

  it('names each field not applied, in order Cmd, Entrypoint, User, labels; at most 3 shown, then how many more', () => {
    const wrong = imageInfo({ cmd: ['/usr/libexec/s2i/assemble'], entrypoint: ['/usr/bin/env'], user: '', labels: { a: '2', blanked: 'kept' } });
    const differences = imageDifferences(asked, wrong);
    expect(differences.map((d) => d.field)).to.deep.equal(['Cmd', 'Entrypoint', 'User', 'label a', 'label blanked']);
    expect(describeDifferences(differences)).to.equal(
      'Cmd is ["/usr/libexec/s2i/assemble"], not ["/usr/libexec/s2i/run"]; Entrypoint is ["/usr/bin/env"], not ["tini","-g","--"]; User is "", not "1000"; and 2 more',
    );
    expect(describeDifferences(differences.slice(3))).to.equal('label a is "2", not "1"; label blanked is "kept", not ""');
  });

  it('keeps the line one line: control characters in keys and values are escaped', () => {
    const [difference] = imageDifferences({ labels: { 'k\u001b[31m': 'v' } }, imageInfo({ labels: { 'k\u001b[31m': 'line1\nline2' } }));
    expect(difference?.text).to.equal('label k\\u001b[31m is "line1\\nline2", not "v"');
    expect(difference?.text).to.not.include('\n').and.not.include('\u001b');
  });
});
