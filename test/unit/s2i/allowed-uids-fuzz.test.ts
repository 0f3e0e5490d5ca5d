/**
 * Fuzzing `-u/--allowed-uids`: any value is either read into ranges of valid UIDs (0 ≤ min ≤ max ≤
 * 2^31-1) that read back the same from their formatted form, or refused with one line and exit 2;
 * the reading agrees with the regular expressions it replaced, and takes linear time. The
 * regressions below are the smallest inputs the fuzzing found.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { formatUidRanges, MAX_UID, parseUidRanges, type UidRange } from '../../../src/s2i/allowed-uids.js';
import { anyText, expectUsageRefusal, fuzzParameters, longRun, mutated, parsedOrRefused } from '../../support/unit/fuzz.js';
import { usageErrorOf } from '../../support/unit/helpers.js';

/** The reading before issue 17 (quadratic on long runs, so only given short items): the model of what is accepted. */
function regexModel(item: string): UidRange | 'negative' | 'invalid' {
  const text = item.trim();
  if (/-\s*-/.test(text) || /^-\s*\d+\s*-/.test(text)) return 'negative';
  const match = /^(\d+)?\s*(-)?\s*(\d+)?$/.exec(text);
  if (!match || (!match[1] && !match[3]) || (!match[2] && match[3])) return 'invalid';
  const [, low, dash, high] = match;
  const min = low !== undefined ? Number(low) : undefined;
  const max = high !== undefined ? Number(high) : undefined;
  if (!dash) return { min, max: min };
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

const uid = fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: MAX_UID }), fc.constantFrom(0, MAX_UID, MAX_UID + 1));
const blank = fc.constantFrom('', ' ', '\t', '  ', '\u00a0');
const range = fc
  .tuple(fc.option(uid, { nil: undefined }), fc.constantFrom('-', ''), fc.option(uid, { nil: undefined }), blank, blank)
  .map(([min, dash, max, b1, b2]) => `${b1}${min ?? ''}${b2}${dash}${b2}${dash ? (max ?? '') : ''}${b1}`);
const spec = fc.array(range, { minLength: 1, maxLength: 4 }).map((items) => items.join(','));
const nearValid = mutated(spec, ['-', ',', ' ', '0', '9', '+', 'x', '.', '٣']);

function expectValidRanges(ranges: UidRange[]): void {
  for (const { min, max } of ranges) {
    expect(min !== undefined || max !== undefined, 'not both ends open').to.equal(true);
    for (const end of [min, max]) if (end !== undefined) expect(Number.isInteger(end) && end >= 0 && end <= MAX_UID, String(end)).to.equal(true);
    if (min !== undefined && max !== undefined) expect(min).to.be.at.most(max);
  }
  // What a message shows reads back as the same ranges.
  if (ranges.length > 0) expect(parseUidRanges(formatUidRanges(ranges).split(', '))).to.deep.equal(ranges);
}

describe('-u/--allowed-uids, fuzzed (fast-check)', function () {
  this.timeout(20000);

  it('reads any value into valid ranges that format and read back the same, or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText, spec, nearValid), { minLength: 1, maxLength: 3 }), (specs) => {
        const parsed = parsedOrRefused(() => parseUidRanges(specs));
        if (parsed) expectValidRanges(parsed.value);
      }),
      fuzzParameters(100),
    );
  });

  it('accepts and refuses what the regular expressions it replaced did, for the same reason', () => {
    fc.assert(
      fc.property(fc.oneof(nearValid, range, fc.string({ unit: fc.constantFrom('-', ' ', '1', '0', 'a', '\t'), maxLength: 12 })), (text) => {
        for (const item of text.split(',')) {
          const model = regexModel(item);
          let read: UidRange | 'negative' | 'invalid' | 'other';
          try {
            read = parseUidRanges([item])[0] as UidRange;
          } catch (error) {
            expectUsageRefusal(error);
            read = /cannot be negative/.test(error.message) ? 'negative' : /not a UID/.test(error.message) ? 'invalid' : 'other';
          }
          // The model has no upper bound, no order check and no empty-item check: those refusals are the parser's own.
          if (read === 'other') continue;
          expect(read, JSON.stringify(item)).to.deep.equal(model);
        }
      }),
      fuzzParameters(100),
    );
  });

  it('takes linear time on long runs of digits, blanks and dashes', () => {
    fc.assert(
      fc.property(longRun(['1', ' ', '-', '1 ', '- ', ' 1-', '0,']), (text) => {
        const parsed = parsedOrRefused(() => parseUidRanges([text]));
        if (parsed) expectValidRanges(parsed.value);
      }),
      fuzzParameters(30),
    );
  });

  describe('regressions found by fuzzing', () => {
    it('reads a 100,000-character item with a long run of blanks or digits in linear time', function () {
      this.timeout(2000);
      for (const text of [`1${' '.repeat(100_000)}x`, `${'1'.repeat(100_000)}x`]) expectUsageRefusal(usageErrorOf(() => parseUidRanges([text])));
    });

    it('shows an item holding a newline on one line, escaped', () => {
      const error = usageErrorOf(() => parseUidRanges(['1\n2']));
      expectUsageRefusal(error);
      expect(error.message).to.equal('invalid allowed UIDs "1\\n2": not a UID or a range of UIDs');
    });

    it('cuts a long item and a long number in its message', () => {
      const digits = '9'.repeat(5000);
      const error = usageErrorOf(() => parseUidRanges([digits]));
      expectUsageRefusal(error);
      expect(error.message).to.equal(
        `invalid allowed UIDs "${'9'.repeat(200)}… (5000 characters)": ${'9'.repeat(20)}… (5000 characters) is above the largest UID ${MAX_UID}`,
      );
    });
  });
});
