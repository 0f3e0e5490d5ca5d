import { expect } from 'chai';
import { isValidImageName, normalizeImageName, parseImageRef } from '../../../src/registry/image-ref.js';

describe('image-ref', () => {
  describe('isValidImageName', () => {
    for (const name of ['my-course', 'my-course:latest', 'org/name:v1.2', 'registry.example.com:5000/org/name:tag', 'a__b', 'a--b', 'localhost/x']) {
      it(`accepts ${name}`, () => expect(isValidImageName(name)).to.equal(true));
    }
    for (const name of ['My-Course', '', 'name:', ':tag', '-lead', 'a/b/', 'name:tag:tag', 'name@sha256:abc', 'has space', `n:${'t'.repeat(129)}`]) {
      it(`rejects ${JSON.stringify(name)}`, () => expect(isValidImageName(name)).to.equal(false));
    }
  });

  describe('parseImageRef', () => {
    it('splits name and tag', () => {
      expect(parseImageRef('my-course:v2')).to.deep.equal({ repository: 'my-course', tag: 'v2' });
    });
    it('defaults the tag to latest', () => {
      expect(parseImageRef('org/my-course')).to.deep.equal({ repository: 'org/my-course', tag: 'latest' });
    });
    it('does not mistake a registry port for a tag', () => {
      expect(parseImageRef('registry:5000/org/name')).to.deep.equal({ repository: 'registry:5000/org/name', tag: 'latest' });
      expect(parseImageRef('registry:5000/org/name:1.0')).to.deep.equal({ repository: 'registry:5000/org/name', tag: '1.0' });
    });
  });

  describe('normalizeImageName', () => {
    it('adds :latest when there is no tag', () => {
      expect(normalizeImageName('my-course')).to.equal('my-course:latest');
      expect(normalizeImageName('registry:5000/x')).to.equal('registry:5000/x:latest');
    });
    it('keeps an explicit tag', () => {
      expect(normalizeImageName('my-course:v1')).to.equal('my-course:v1');
    });
    it('leaves digest references alone', () => {
      expect(normalizeImageName('name@sha256:0123')).to.equal('name@sha256:0123');
    });
  });
});
