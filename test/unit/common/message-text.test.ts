import { expect } from 'chai';
import fc from 'fast-check';
import { escapeControls, MAX_SHOWN_CHARS, shownInput } from '../../../src/common/message-text.js';
import { anyText, fuzzParameters } from '../../support/unit/fuzz.js';

const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

describe('message-text', () => {
  describe('escapeControls', () => {
    it('writes newlines, tabs, escape sequences, DEL, C1 controls, line separators and bidi controls as escapes', () => {
      expect(escapeControls('a\nb\r\tc\x1b[31m\x7f\x9b\u2028\u202e\0')).to.equal('a\\nb\\r\\tc\\u001b[31m\\u007f\\u009b\\u2028\\u202e\\u0000');
    });

    it('leaves printable text as it is, accents, emoji and backslashes included', () => {
      expect(escapeControls('café 😀 C:\\Users "x"')).to.equal('café 😀 C:\\Users "x"');
    });

    it('leaves no control character and changes no printable text (fast-check)', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const escaped = escapeControls(text);
          expect(UNPRINTABLE.test(escaped)).to.equal(false);
          if (!UNPRINTABLE.test(text)) expect(escaped).to.equal(text);
        }),
        fuzzParameters(150),
      );
    });
  });

  describe('shownInput', () => {
    it('shows short input whole and cuts long input, saying its length', () => {
      expect(shownInput('a\nb')).to.equal('a\\nb');
      expect(shownInput('x'.repeat(MAX_SHOWN_CHARS))).to.equal('x'.repeat(MAX_SHOWN_CHARS));
      expect(shownInput('x'.repeat(5000))).to.equal(`${'x'.repeat(MAX_SHOWN_CHARS)}… (5000 characters)`);
      expect(shownInput('0123456789', 4)).to.equal('0123… (10 characters)');
    });

    it('never cuts a surrogate pair in half', () => {
      expect(shownInput('abc😀def', 4)).to.equal('abc… (8 characters)');
    });

    it('is bounded and free of control characters for any input (fast-check)', () => {
      fc.assert(
        fc.property(fc.oneof(anyText, fc.string({ minLength: 150, maxLength: 400, unit: 'binary' })), fc.integer({ min: 1, max: 50 }), (text, max) => {
          const shown = shownInput(text, max);
          expect(UNPRINTABLE.test(shown)).to.equal(false);
          // Each character escapes to at most 6 (\u001b), plus the length note.
          expect(shown.length).to.be.at.most(max * 6 + 30);
        }),
        fuzzParameters(150),
      );
    });
  });
});
