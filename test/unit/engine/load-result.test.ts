import { expect } from 'chai';
import { loadResultOf } from '../../../src/engine/load-result.js';

const HEX = 'b4ad4b1d6aaed1d49b906c89b758dc07c7c4cd0c7d1f1a87c8124d412c304fba';

describe('loadResultOf: what the engine said it loaded', () => {
  it("reads Docker's untagged id and tagged name lines", () => {
    expect(loadResultOf([`Loaded image ID: sha256:${HEX}`, 'Loaded image: course:1', ''])).to.deep.equal({ imageIds: [`sha256:${HEX}`], tags: ['course:1'] });
  });

  it("reads Podman's one line, an untagged image named by its id, and several names joined by commas", () => {
    expect(loadResultOf([`Loaded image: sha256:${HEX}`])).to.deep.equal({ imageIds: [`sha256:${HEX}`], tags: [] });
    expect(loadResultOf([`Loaded image(s): docker.io/library/course:1,${HEX}`])).to.deep.equal({
      imageIds: [`sha256:${HEX}`],
      tags: ['docker.io/library/course:1'],
    });
  });

  it('reads nothing from other lines', () => {
    expect(loadResultOf(['Getting image source signatures', 'Loaded image ID:', `sha256:${HEX}`])).to.deep.equal({ imageIds: [], tags: [] });
  });
});
