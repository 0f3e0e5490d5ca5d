import { expect } from 'chai';
import { helmCoalesce } from '../../support/kubernetes/helm-values.js';

describe("helm-values (the tests' model of Helm's merge of values into a chart's defaults)", () => {
  const defaults = () => ({
    singleuser: { cmd: 'jupyterhub-singleuser', uid: 1000, image: { name: 'sample', tag: 'x', pullSecrets: [] }, extraLabels: { a: '1' } },
    cull: { enabled: true, timeout: 3600 },
    nameOverride: null,
  });

  it('merges maps key by key at every depth, and keeps what the values do not set', () => {
    const merged = helmCoalesce(defaults(), { singleuser: { image: { name: 'course' } }, cull: { timeout: 600 } });
    expect(merged).to.deep.equal({
      singleuser: { cmd: 'jupyterhub-singleuser', uid: 1000, image: { name: 'course', tag: 'x', pullSecrets: [] }, extraLabels: { a: '1' } },
      cull: { enabled: true, timeout: 600 },
      nameOverride: null,
    });
  });

  it('replaces scalars and lists whole (a list is not merged item by item)', () => {
    const merged = helmCoalesce(defaults(), { singleuser: { uid: 5, image: { pullSecrets: ['mine'] }, extraLabels: { b: '2' } } }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(merged.singleuser.uid).to.equal(5);
    expect(merged.singleuser.image.pullSecrets).to.deep.equal(['mine']);
    expect(merged.singleuser.extraLabels, 'a map still merges').to.deep.equal({ a: '1', b: '2' });
  });

  it("deletes a default key the values set to null (Helm's way to unset a default), at any depth", () => {
    const merged = helmCoalesce(defaults(), { singleuser: { cmd: null, image: { tag: null } }, cull: null }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(merged.singleuser).not.to.have.property('cmd');
    expect(merged.singleuser.image).to.deep.equal({ name: 'sample', pullSecrets: [] });
    expect(merged).not.to.have.property('cull');
  });

  it('keeps a null the values set for a key the defaults lack, and a table the values set where the default is null', () => {
    const merged = helmCoalesce(defaults(), { singleuser: { defaultUrl: null }, nameOverride: { odd: true } }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(merged.singleuser.defaultUrl).to.equal(null);
    expect(merged.nameOverride).to.deep.equal({ odd: true });
  });

  it('refuses a table against a scalar either way (Helm only warns and drops one), and changes neither input', () => {
    expect(() => helmCoalesce(defaults(), { singleuser: { cmd: { x: 1 } } })).to.throw('singleuser.cmd');
    expect(() => helmCoalesce(defaults(), { singleuser: { image: 'course:1' } })).to.throw('singleuser.image');
    const chart = defaults();
    const user = { singleuser: { cmd: null, image: { name: 'c' } } };
    helmCoalesce(chart, user);
    expect(chart).to.deep.equal(defaults());
    expect(user).to.deep.equal({ singleuser: { cmd: null, image: { name: 'c' } } });
  });
});
