import { expect } from 'chai';
import { isSafeSubmoduleName, parseGitlinks, parseSubmoduleNames, submoduleErrorDetail } from '../../../src/source/git-submodules.js';

describe('git-submodules', () => {
  it('parseGitlinks keeps only gitlinks (mode 160000), with odd names intact', () => {
    const sha = 'a'.repeat(40);
    const output = [
      `100644 ${sha} 0\t.gitmodules`,
      `160000 ${sha} 0\tlib`,
      `160000 ${sha} 0\tweek 1/data sets`,
      `100755 ${sha} 0\trun.sh`,
      `160000 ${sha} 0\tcafé`,
      '',
    ].join('\0');
    expect(parseGitlinks(output)).to.deep.equal(['lib', 'week 1/data sets', 'café']);
    expect(parseGitlinks('')).to.deep.equal([]);
  });

  it('parseSubmoduleNames maps paths to names (names may hold dots)', () => {
    const output = 'submodule.lib.path\nlib\0submodule.data.v2.path\nweek 1/data\0';
    expect([...parseSubmoduleNames(output)]).to.deep.equal([
      ['lib', 'lib'],
      ['week 1/data', 'data.v2'],
    ]);
  });

  it("submoduleErrorDetail gives git's cause, not its summaries", () => {
    const output = [
      "Submodule 'lib' (file:///tmp/lib) registered for path 'lib'",
      "Cloning into '/tmp/x/lib'...",
      "fatal: transport 'file' not allowed",
      "fatal: clone of 'file:///tmp/lib' into submodule path '/tmp/x/lib' failed",
      "Failed to clone 'lib'. Retry scheduled",
      "fatal: transport 'file' not allowed",
      "fatal: clone of 'file:///tmp/lib' into submodule path '/tmp/x/lib' failed",
      "Failed to clone 'lib' a second time, aborting",
    ].join('\n');
    expect(submoduleErrorDetail(output)).to.equal("transport 'file' not allowed");
    expect(submoduleErrorDetail("fatal: clone of 'x' into submodule path 'y' failed\n")).to.equal("clone of 'x' into submodule path 'y' failed");
    expect(submoduleErrorDetail('something odd\n')).to.equal('something odd');
  });

  describe('isSafeSubmoduleName', () => {
    it('accepts plain and nested names, refuses .. segments, absolute paths and backslashes', () => {
      for (const ok of ['lib', 'week 1/lib', 'a.b/c..d']) expect(isSafeSubmoduleName(ok), ok).to.equal(true);
      for (const bad of ['', '..', '../x', 'a/../../b', '/etc', 'a/./b', 'a\\..\\b']) expect(isSafeSubmoduleName(bad), bad).to.equal(false);
    });
  });
});
