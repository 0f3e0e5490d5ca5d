/**
 * Fuzzing `--exclude` and `.s2iignore`: any pattern is compiled, or refused with one line and exit
 * 2; the rules of any ignore file within its bounds answer for any path a source can hold, quickly
 * also on deep trees. The regressions below are the smallest inputs the fuzzing found.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import ignore from 'ignore';
import {
  collapseDoubleStars,
  compileExclude,
  DEFAULT_EXCLUDE,
  doubleStarsBeforeEnd,
  ignorePatterns,
  MAX_IGNORE_DOUBLE_STARS,
  sourceFilter,
} from '../../../src/source/source-filter.js';
import { anyText, expectUsageRefusal, fuzzParameters, longRun, mutated, parsedOrRefused } from '../../support/unit/fuzz.js';
import { usageErrorOf } from '../../support/unit/helpers.js';

/** A name a directory entry can have: no `/`, no NUL, not `.` or `..`. */
const entryName = fc
  .oneof(
    fc.constantFrom('a', 'b', 'build', '.git', 'x.py', '...', '-', '!x', '#y', ' sp ', '\\', '*', 'é'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
  )
  .map((name) => name.replace(/[/\0]/g, '_'))
  .filter((name) => name !== '.' && name !== '..');
/** A path relative to the source, as the walk gives it. */
const relativePath = fc.array(entryName, { minLength: 1, maxLength: 6 }).map((names) => names.join('/'));

const globPiece = fc.constantFrom('*', '**', '?', '/', 'a', 'b', '!', '#', '\\', '[a-c]', '[!x]', '[', ']', ' ', '.', 'build/', '**/', '/**');
const pattern = fc.oneof(fc.string({ unit: globPiece, maxLength: 8 }), anyText);
const ignoreFile = fc.array(pattern, { maxLength: 6 }).map((lines) => lines.join('\n'));

/** The rules of a file, or undefined when it is refused (with a checked usage error). */
function rulesOf(text: string) {
  const parsed = parsedOrRefused(() => ignorePatterns(text));
  return parsed && ignore({ ignorecase: false }).add(parsed.value);
}

describe('--exclude and .s2iignore, fuzzed (fast-check)', function () {
  this.timeout(20000);

  it('compiles any --exclude pattern, or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText, mutated(fc.constantFrom(DEFAULT_EXCLUDE, '^data/', '\\.csv$', '(a|b)+'), ['(', ')', '[', ']', '\\', '*', '+', '?', '{', '|'])),
        (text) => {
          const parsed = parsedOrRefused(() => compileExclude(text));
          if (!parsed) return;
          expect(text === '' ? parsed.value === undefined : parsed.value instanceof RegExp).to.equal(true);
        },
      ),
      fuzzParameters(150),
    );
  });

  it('reads any ignore file into rules that answer for any path of a source, or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(ignoreFile, fc.array(fc.tuple(relativePath, fc.boolean()), { minLength: 1, maxLength: 5 }), (text, paths) => {
        const rules = rulesOf(text);
        if (!rules) return;
        const filter = sourceFilter(compileExclude(undefined), rules);
        for (const [path, directory] of paths) expect(filter(path, directory)).to.be.a('boolean');
      }),
      fuzzParameters(150),
    );
  });

  it('keeps the ** of an accepted pattern within the bound, and collapsing runs of them changes no answer', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('**/', 'a/', '**', '/**', 'b', '*'), maxLength: 10 }), relativePath, (text, path) => {
        const rules = rulesOf(text);
        if (!rules) return;
        expect(doubleStarsBeforeEnd(collapseDoubleStars(text))).to.be.at.most(MAX_IGNORE_DOUBLE_STARS);
        if (text.trim() === '' || text.trim().startsWith('#')) return;
        expect(rules.ignores(path), `${text} on ${path}`).to.equal(ignore({ ignorecase: false }).add(text).ignores(path));
      }),
      fuzzParameters(150),
    );
  });

  it('answers within a second for accepted patterns on a path 120 directories deep', () => {
    const deep = Array.from({ length: 120 }, () => 'a');
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant('**/a/') }, fc.constantFrom('**/', 'a/', '*/')), { minLength: 2, maxLength: 8 }),
        (pieces) => {
          const rules = rulesOf(`${pieces.join('')}b`);
          if (!rules) return;
          const started = performance.now();
          // As the walk asks: every directory on the way down, then a file at the bottom.
          for (let depth = 1; depth <= deep.length; depth++) rules.ignores(`${deep.slice(0, depth).join('/')}/`);
          expect(rules.ignores(`${deep.join('/')}/c`)).to.equal(false);
          // Accepted patterns take a few milliseconds here; four ** took 2.3 s, five minutes. The margin keeps a slow machine green.
          expect(performance.now() - started, pieces.join('')).to.be.below(1000);
        },
      ),
      fuzzParameters(25),
    );
  });

  it('takes linear time on long lines of stars, slashes, brackets and backslashes', () => {
    fc.assert(
      fc.property(longRun(['*', '**/', '/', '[', '\\', '?', '*a', '!'], { min: 1000, max: 4000 }), (text) => {
        const rules = rulesOf(text);
        if (rules) expect(rules.ignores('a/b/c')).to.be.a('boolean');
      }),
      fuzzParameters(20),
    );
  });

  describe('regressions found by fuzzing', () => {
    it(`refuses a pattern with more than ${MAX_IGNORE_DOUBLE_STARS} ** before its end, which backtracks for minutes on deep trees`, function () {
      this.timeout(2000);
      const error = usageErrorOf(() => ignorePatterns('*.pyc\n**/a/**/a/**/a/b\n'));
      expectUsageRefusal(error);
      expect(error.message).to.equal('.s2iignore line 2 has 3 ** segments before its end, more than 2');
      expect(ignorePatterns('**/build/**/*.o\na/**/b/**/c/**\n!**/a/**/b')).to.have.length(3);
    });

    it('collapses runs of ** only when they are whole segments: b** + /** + / is a directory b* and what is under it', () => {
      expect(collapseDoubleStars('b**/**/')).to.equal('b**/**/');
      expect(rulesOf('b**/**/')?.ignores('build/_')).to.equal(false);
      expect(collapseDoubleStars('!**/**/x')).to.equal('!**/x');
    });

    it('shows an --exclude pattern holding a newline on one line, escaped, and only once', () => {
      const error = usageErrorOf(() => compileExclude('a\n('));
      expectUsageRefusal(error);
      expect(error.message).to.equal('--exclude a\\n( is not a valid regular expression (Unterminated group)');
      const long = usageErrorOf(() => compileExclude(`(${'x'.repeat(5000)}`));
      expect(long.message).to.equal(`--exclude (${'x'.repeat(199)}… (5001 characters) is not a valid regular expression (Unterminated group)`);
    });
  });
});
