import { expect } from 'chai';
import { checkAllowedUser, formatUidRanges, MAX_UID, parseUidRanges, uidInRanges } from '../../../src/s2i/allowed-uids.js';
import { ExitCode, UsageError, UserNotAllowedError } from '../../../src/common/errors.js';

function thrown<T extends Error>(type: new (...args: never[]) => T, run: () => unknown): T {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    return error as T;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('allowed-uids', () => {
  describe('parseUidRanges', () => {
    it('parses the four forms', () => {
      expect(parseUidRanges(['5'])).to.deep.equal([{ min: 5, max: 5 }]);
      expect(parseUidRanges(['1000-2000'])).to.deep.equal([{ min: 1000, max: 2000 }]);
      expect(parseUidRanges(['1-'])).to.deep.equal([{ min: 1 }]);
      expect(parseUidRanges(['-100'])).to.deep.equal([{ max: 100 }]);
    });

    it('parses comma lists and several specs, in order', () => {
      expect(parseUidRanges(['1-,5', '1000-2000,-10'])).to.deep.equal([{ min: 1 }, { min: 5, max: 5 }, { min: 1000, max: 2000 }, { max: 10 }]);
      expect(parseUidRanges([])).to.deep.equal([]);
    });

    it('tolerates whitespace', () => {
      expect(parseUidRanges([' 1000 - 2000 , 5 ,\t1 -', ' - 7 '])).to.deep.equal([{ min: 1000, max: 2000 }, { min: 5, max: 5 }, { min: 1 }, { max: 7 }]);
    });

    it('accepts 0, equal ends and the largest uid', () => {
      expect(parseUidRanges(['0', '7-7', `${MAX_UID}`, `0-${MAX_UID}`])).to.deep.equal([
        { min: 0, max: 0 },
        { min: 7, max: 7 },
        { min: MAX_UID, max: MAX_UID },
        { min: 0, max: MAX_UID },
      ]);
    });

    const FORMS = 'accepted forms: 5, 1000-2000, 1000- (1000 and up), -100 (0 to 100)';
    const cases: [string[], string][] = [
      [['1,,2'], 'invalid allowed UIDs "1,,2": it has an empty item'],
      [['1,'], 'invalid allowed UIDs "1,": it has an empty item'],
      [[''], 'invalid allowed UIDs "": it is empty'],
      [['  '], 'invalid allowed UIDs "  ": it is empty'],
      [['abc'], 'invalid allowed UIDs "abc": not a UID or a range of UIDs'],
      [['1, jovyan'], 'invalid allowed UIDs "jovyan": not a UID or a range of UIDs'],
      [['-'], 'invalid allowed UIDs "-": not a UID or a range of UIDs'],
      [['1-2-3'], 'invalid allowed UIDs "1-2-3": not a UID or a range of UIDs'],
      [['10 20'], 'invalid allowed UIDs "10 20": not a UID or a range of UIDs'],
      [['1.5'], 'invalid allowed UIDs "1.5": not a UID or a range of UIDs'],
      [['+5'], 'invalid allowed UIDs "+5": not a UID or a range of UIDs'],
      [['0x10'], 'invalid allowed UIDs "0x10": not a UID or a range of UIDs'],
      [['2000-1000'], 'invalid allowed UIDs "2000-1000": 2000 is greater than 1000'],
      [['--5'], 'invalid allowed UIDs "--5": UIDs cannot be negative'],
      [['-5-10'], 'invalid allowed UIDs "-5-10": UIDs cannot be negative'],
      [['1--5'], 'invalid allowed UIDs "1--5": UIDs cannot be negative'],
      [['2147483648'], 'invalid allowed UIDs "2147483648": 2147483648 is above the largest UID 2147483647'],
      [['1-99999999999'], 'invalid allowed UIDs "1-99999999999": 99999999999 is above the largest UID 2147483647'],
    ];
    for (const [specs, message] of cases) {
      it(`rejects ${JSON.stringify(specs)} with exit code 2 and the accepted forms`, () => {
        const error = thrown(UsageError, () => parseUidRanges(specs));
        expect(error.exitCode).to.equal(ExitCode.usage);
        expect(error.message).to.equal(message);
        expect(error.hint).to.include(FORMS);
      });
    }
  });

  describe('formatUidRanges', () => {
    it('shows ranges as they are written', () => {
      expect(formatUidRanges(parseUidRanges(['1-', '5', '1000-2000', '-100']))).to.equal('1-, 5, 1000-2000, -100');
      expect(formatUidRanges([{ min: 0, max: 9 }])).to.equal('0-9');
    });
    it('says any for no ranges', () => {
      expect(formatUidRanges([])).to.equal('any');
    });
  });

  describe('uidInRanges', () => {
    const ranges = parseUidRanges(['5', '1000-2000', '-2']);
    it('includes both ends of every range', () => {
      for (const uid of [0, 1, 2, 5, 1000, 1500, 2000]) expect(uidInRanges(uid, ranges), String(uid)).to.equal(true);
    });
    it('excludes uids outside every range', () => {
      for (const uid of [3, 4, 6, 999, 2001, MAX_UID]) expect(uidInRanges(uid, ranges), String(uid)).to.equal(false);
    });
    it('treats an open upper end as unbounded', () => {
      expect(uidInRanges(MAX_UID, parseUidRanges(['1-']))).to.equal(true);
      expect(uidInRanges(0, parseUidRanges(['1-']))).to.equal(false);
    });
  });

  describe('checkAllowedUser', () => {
    const ranges = parseUidRanges(['1-100']);

    it('returns the uid of a numeric user inside a range, in both forms', () => {
      expect(checkAllowedUser('42', ranges, 'image USER of x')).to.equal(42);
      expect(checkAllowedUser('100:0', ranges, 'image USER of x')).to.equal(100);
      expect(checkAllowedUser(' 1:1 ', ranges, 'image USER of x')).to.equal(1);
    });

    it('refuses a numeric user outside the ranges with exit code 5', () => {
      const error = thrown(UserNotAllowedError, () => checkAllowedUser('1001', ranges, 'assemble user of builder jupyter-minimal-notebook'));
      expect(error.exitCode).to.equal(ExitCode.userNotAllowed);
      expect(error.message).to.equal('assemble user of builder jupyter-minimal-notebook 1001 is not in the allowed UIDs 1-100');
      expect(error.hint).to.include('--allowed-uids');
    });

    it('checks the uid, not the gid, of uid:gid', () => {
      expect(checkAllowedUser('50:1000', ranges, 'x')).to.equal(50);
      const error = thrown(UserNotAllowedError, () => checkAllowedUser('0:50', ranges, 'image USER of x'));
      expect(error.message).to.equal('image USER of x 0 is not in the allowed UIDs 1-100');
    });

    it('lists every range in the message', () => {
      const error = thrown(UserNotAllowedError, () => checkAllowedUser('7', parseUidRanges(['1-5,1000-']), 'image USER of x'));
      expect(error.message).to.equal('image USER of x 7 is not in the allowed UIDs 1-5, 1000-');
    });

    it('refuses a user name when ranges are given (it cannot be proven not root)', () => {
      const error = thrown(UserNotAllowedError, () => checkAllowedUser('jovyan', ranges, 'image USER of x'));
      expect(error.exitCode).to.equal(ExitCode.userNotAllowed);
      expect(error.message).to.equal('image USER of x is a name (jovyan), which cannot be checked against the allowed UIDs 1-100');
      expect(error.hint).to.include('numeric');
    });

    it('refuses mixed name forms', () => {
      for (const user of ['jovyan:0', '1000:users', 'root']) {
        const error = thrown(UserNotAllowedError, () => checkAllowedUser(user, ranges, 'image USER of x'));
        expect(error.message, user).to.equal(`image USER of x is a name (${user}), which cannot be checked against the allowed UIDs 1-100`);
      }
    });

    it('refuses an empty user (root)', () => {
      for (const user of ['', '  ']) {
        const error = thrown(UserNotAllowedError, () => checkAllowedUser(user, ranges, 'image USER of x'));
        expect(error.message).to.equal('image USER of x is empty (root), which cannot be checked against the allowed UIDs 1-100');
      }
    });

    it('allows every numeric user when no ranges are given', () => {
      expect(checkAllowedUser('0', [], 'x')).to.equal(0);
      expect(checkAllowedUser('1000:100', [], 'x')).to.equal(1000);
      expect(checkAllowedUser(String(MAX_UID), [], 'x')).to.equal(MAX_UID);
    });

    it('still refuses names and empty users when no ranges are given', () => {
      expect(thrown(UserNotAllowedError, () => checkAllowedUser('jovyan', [], 'image USER of x')).message).to.equal(
        'image USER of x is a name (jovyan); tjs2i needs a numeric user',
      );
      expect(thrown(UserNotAllowedError, () => checkAllowedUser('', [], 'image USER of x')).message).to.equal(
        'image USER of x is empty (root); tjs2i needs a numeric user',
      );
    });
  });
});
