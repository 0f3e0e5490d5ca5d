/**
 * Fuzzing the environment files (`-E FILE`, `.s2i/environment`) and `-e` arguments: any text is
 * either parsed into valid, distinct names and values without NUL, or refused with one line and
 * exit 2 that never shows a value; written variables read back as they were; long lines take
 * linear time. The regressions below are the smallest inputs the fuzzing found.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseEnvArgument, parseEnvironmentFile, mergeEnvironment, readEnvironmentFile, type EnvVar } from '../../../src/s2i/environment.js';
import { anyText, expectUsageRefusal, fuzzParameters, longRun, mutated, parsedOrRefused } from '../../support/unit/fuzz.js';
import { rejectionOf, usageErrorOf } from '../../support/unit/helpers.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A value no message may show: the fuzzing puts it in every value. */
const SECRET = 'Zq9SeCrEt';

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
const value = fc.oneof(anyText, fc.string({ maxLength: 20 }));

/** Every form a file may give a variable in, for this value. */
function writtenForms({ name, value }: EnvVar): string[] {
  const doubleQuoted = `"${value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
  const forms = [`${name}=${doubleQuoted}`, `export ${name} = ${doubleQuoted} # a comment`];
  if (!/['\n]/.test(value)) forms.push(`${name}='${value}'`, `\t${name}\t=  '${value}'  `);
  const unquoted = !/^[ \t'"]|[ \t\r]$|\n/.test(value);
  if (unquoted) forms.push(`${name}=${value}`, `  export\t${name}= ${value}\t`);
  return forms;
}

/** Variables written in any of their forms, with blank and comment lines, LF or CRLF ends, maybe a BOM. */
const writtenFile = fc
  .array(
    fc.tuple(
      fc.record({ name, value: value.filter((v) => !v.includes('\0')) }),
      fc.nat(),
      fc.constantFrom('', '# comment', '   ', '\t# indented \u2028 comment'),
    ),
    { maxLength: 8 },
  )
  .chain((entries) =>
    fc.tuple(fc.constant(entries), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([items, end, bom]) => ({
      vars: items.map(([variable]) => variable),
      text:
        (bom ? '\uFEFF' : '') +
        items
          .flatMap(([variable, pick, extra]) => {
            const forms = writtenForms(variable);
            return [extra, forms[pick % forms.length] as string];
          })
          .join(end),
    })),
  );

/** Lines near the valid ones: quotes, escapes, `=`, blanks and comments moved about; every value holds the secret. */
const nearValidFile = fc
  .array(
    fc.record({ name, value: fc.string({ maxLength: 6 }).map((v) => `${v}${SECRET}${v}`) }).chain((variable) => fc.constantFrom(...writtenForms(variable))),
    { minLength: 1, maxLength: 4 },
  )
  .map((lines) => lines.join('\n'))
  .chain((text) => mutated(fc.constant(text), ['"', "'", '\\', '=', ' ', '\t', '#', 'export ', '\n', '\r', '1', '-', 'é']));

/** The name part of the line a message `env.txt:<line>: …` refuses. */
function nameOfRefusedLine(text: string, message: string): string {
  const line = Number(/^env\.txt:(\d+):/.exec(message)?.[1]);
  const refused = text.replace(/^\uFEFF/, '').split(/\r?\n/)[line - 1] ?? '';
  return refused
    .slice(0, refused.indexOf('='))
    .replace(/^\s*export[ \t]+(?=[A-Za-z_])/, '')
    .trim();
}

function expectValidVars(vars: EnvVar[]): void {
  expect(new Set(vars.map((v) => v.name)).size, 'distinct names').to.equal(vars.length);
  for (const { name, value } of vars) {
    expect(name).to.match(NAME);
    expect(value).not.to.include('\0');
  }
}

describe('environment files and -e, fuzzed (fast-check)', function () {
  this.timeout(20000);

  it('parses any text into valid, distinct names and values, or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.array(anyText, { maxLength: 5 }).map((lines) => lines.join('\n')),
        ),
        (text) => {
          const parsed = parsedOrRefused(() => parseEnvironmentFile(text, 'env.txt'));
          if (parsed) expectValidVars(parsed.value);
        },
      ),
      fuzzParameters(150),
    );
  });

  it('never shows a value: a malformed line near a valid one is refused without its value', () => {
    fc.assert(
      fc.property(nearValidFile, (text) => {
        try {
          expectValidVars(parseEnvironmentFile(text, 'env.txt'));
        } catch (error) {
          expectUsageRefusal(error);
          expect(error.hint ?? '').not.to.include(SECRET);
          // A message may name the variable (never show a value): the secret appears only when a
          // mutation moved it to the name position of a line, e.g. a quoted value cut by a newline.
          if (error.message.includes(SECRET)) expect(nameOfRefusedLine(text, error.message)).to.include(SECRET).and.match(NAME);
        }
      }),
      fuzzParameters(150),
    );
  });

  it('reads back every variable as written, whatever the form (quotes, export, comments, CRLF, BOM)', () => {
    fc.assert(
      fc.property(writtenFile, ({ vars, text }) => {
        expect(parseEnvironmentFile(text, 'env.txt')).to.deep.equal(mergeEnvironment(vars));
      }),
      fuzzParameters(150),
    );
  });

  it('takes linear time on long runs of blanks, quotes, backslashes and "export"', () => {
    fc.assert(
      fc.property(longRun([' ', '\t', 'A', '"', "'", '\\', '#', '=', 'export ', ' \t']), (text) => {
        const parsed = parsedOrRefused(() => parseEnvironmentFile(text, 'env.txt'));
        if (parsed) expectValidVars(parsed.value);
      }),
      fuzzParameters(30),
    );
  });

  it('reads any -e argument as NAME=VALUE or a set NAME, or refuses it with one line (exit 2)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(fc.constantFrom('A=1', 'PASSWORD', 'x_1=a=b', 'B='), ['=', ' ', '1', '-', '\0', 'é'])), (arg) => {
        const parsed = parsedOrRefused(() => parseEnvArgument(arg, { PASSWORD: 'pw', B: '' }));
        if (!parsed) return;
        expect(parsed.value.name).to.match(NAME);
        expect(arg === parsed.value.name || arg === `${parsed.value.name}=${parsed.value.value}`, 'NAME or NAME=VALUE').to.equal(true);
      }),
      fuzzParameters(150),
    );
  });

  describe('regressions found by fuzzing', () => {
    it('parses a line with a long run of blanks inside the name or the value in linear time', function () {
      this.timeout(2000);
      const run = ' '.repeat(100_000);
      expectUsageRefusal(usageErrorOf(() => parseEnvironmentFile(`A${run}b=1`, 'env.txt')));
      expect(parseEnvironmentFile(`A=x${run}y${run}`, 'env.txt')).to.deep.equal([{ name: 'A', value: `x${run}y` }]);
    });

    it('keeps a comment line holding a lone CR or a line separator a comment', () => {
      expect(parseEnvironmentFile('# a\u2028b\nA=1\n# c\rd', 'env.txt')).to.deep.equal([{ name: 'A', value: '1' }]);
      expect(parseEnvironmentFile('A="x" # c\u2028d', 'env.txt')).to.deep.equal([{ name: 'A', value: 'x' }]);
    });

    it('names a character outside the BMP by its code point, not half of its surrogate pair', () => {
      expect(usageErrorOf(() => parseEnvironmentFile('A\u{1F600}=1', 'env.txt')).message).to.include('character U+1F600 at column 2');
    });

    it('shows a file name holding a newline or an escape sequence on one line, escaped', async () => {
      const error = await rejectionOf(readEnvironmentFile('/nonexistent/a\nb\x1b[2J'));
      expectUsageRefusal(error);
      expect(error.message).to.equal('environment file /nonexistent/a\\nb\\u001b[2J not found');
    });

    it('cuts a long variable name in a message about its value', () => {
      const error = usageErrorOf(() => parseEnvironmentFile(`${'A'.repeat(5000)}="unterminated`, 'env.txt'));
      expectUsageRefusal(error);
      expect(error.message).to.match(/^env\.txt:1: A{200}… \(5000 characters\): unterminated double quote/);
    });
  });
});
