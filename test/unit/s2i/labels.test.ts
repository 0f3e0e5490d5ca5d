import { expect } from 'chai';
import { Label, provenanceLabels } from '../../../src/s2i/labels.js';

describe('s2i', () => {
  describe('provenanceLabels', () => {
    it('records builder and location only for a plain directory', () => {
      expect(provenanceLabels('jupyter-minimal-notebook', { location: '/home/me/course' })).to.deep.equal({
        'io.openshift.s2i.build.image': 'jupyter-minimal-notebook',
        'io.openshift.s2i.build.source-location': '/home/me/course',
      });
    });

    it('records context dir and commit, with only the first line of the message', () => {
      const labels = provenanceLabels('b', {
        location: 'https://github.com/org/course',
        contextDir: 'week1',
        commit: {
          id: 'a'.repeat(40),
          ref: 'main',
          author: 'Ada <ada@example.com>',
          date: '2024-05-01T10:00:00+02:00',
          message: 'Add week 1\n\nLong description\nmore',
        },
      });
      expect(labels).to.deep.equal({
        'io.openshift.s2i.build.image': 'b',
        'io.openshift.s2i.build.source-location': 'https://github.com/org/course',
        'io.openshift.s2i.build.source-context-dir': 'week1',
        'io.openshift.s2i.build.commit.id': 'a'.repeat(40),
        'io.openshift.s2i.build.commit.ref': 'main',
        'io.openshift.s2i.build.commit.author': 'Ada <ada@example.com>',
        'io.openshift.s2i.build.commit.date': '2024-05-01T10:00:00+02:00',
        'io.openshift.s2i.build.commit.message': 'Add week 1',
      });
    });

    it('has a commit but no context-dir label when there is no context dir', () => {
      const labels = provenanceLabels('b', {
        location: '/x',
        commit: { id: 'f00d', ref: 'v1', author: 'a <a@b>', date: 'd', message: 'one line' },
      });
      expect(labels).not.to.have.property(Label.contextDir);
      expect(labels[Label.commitMessage]).to.equal('one line');
      expect(labels[Label.commitRef]).to.equal('v1');
    });
  });
});
