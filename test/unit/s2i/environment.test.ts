import { expect } from 'chai';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MAX_ENVIRONMENT_FILE_BYTES,
  mergeEnvironment,
  parseEnvArgument,
  parseEnvironmentFile,
  readEnvironmentFile,
  readSourceEnvironment,
  toDockerEnv,
  type EnvVar,
} from '../../../src/s2i/environment.js';
import { ExitCode, UsageError } from '../../../src/common/errors.js';
import { rejectionOf, tempDir, usageErrorOf } from '../../support/unit/helpers.js';

const SECRET = 's3cr3t-Pa55';

function usageError(run: () => unknown): UsageError {
  const error = usageErrorOf(run);
  expect(error.exitCode).to.equal(ExitCode.usage);
  return error;
}

/** The error a file made of `lines` gives, checked to never show the secret value. */
function fileError(...lines: string[]): UsageError {
  const error = usageError(() => parseEnvironmentFile(lines.join('\n'), 'env.txt'));
  expect(error.message).not.to.include(SECRET);
  expect(error.hint ?? '').not.to.include(SECRET);
  expect(error.hint, 'a hint showing the expected form').to.include('NAME=VALUE');
  return error;
}

function parse(text: string): EnvVar[] {
  return parseEnvironmentFile(text, 'env.txt');
}

describe('environment', () => {
  describe('parseEnvironmentFile', () => {
    it('parses NAME=VALUE lines in order', () => {
      expect(parse('A=1\nB=two\nc_3=x y z\n')).to.deep.equal([
        { name: 'A', value: '1' },
        { name: 'B', value: 'two' },
        { name: 'c_3', value: 'x y z' },
      ]);
    });

    it('skips blank lines and comment lines, also indented ones', () => {
      expect(parse('# a comment\n\n   \n\t# indented comment\nA=1\n  #B=2\n')).to.deep.equal([{ name: 'A', value: '1' }]);
      expect(parse('')).to.deep.equal([]);
      expect(parse('\n\n# only comments\n')).to.deep.equal([]);
    });

    it('accepts an optional export prefix', () => {
      expect(parse('export A=1\n  export\tB="two"\nexport=3\nexportC=4')).to.deep.equal([
        { name: 'A', value: '1' },
        { name: 'B', value: 'two' },
        { name: 'export', value: '3' },
        { name: 'exportC', value: '4' },
      ]);
    });

    it('allows whitespace around the name and around an unquoted value, trimming it', () => {
      expect(parse('  A = 1  \n\tB\t=\tsome value\t\nC=  x')).to.deep.equal([
        { name: 'A', value: '1' },
        { name: 'B', value: 'some value' },
        { name: 'C', value: 'x' },
      ]);
    });

    it('takes unquoted values literally: = # quotes $ and backslashes included', () => {
      expect(parse('URL=postgres://u@h/db?sslmode=require&x=1\nB=a # not a comment\nC=$HOME\\n\nD=it\'s "quoted"\nE==')).to.deep.equal([
        { name: 'URL', value: 'postgres://u@h/db?sslmode=require&x=1' },
        { name: 'B', value: 'a # not a comment' },
        { name: 'C', value: '$HOME\\n' },
        { name: 'D', value: 'it\'s "quoted"' },
        { name: 'E', value: '=' },
      ]);
    });

    it('reads NAME= as an empty value, also quoted', () => {
      expect(parse('A=\nB=   \nC=""\nD=\'\'')).to.deep.equal([
        { name: 'A', value: '' },
        { name: 'B', value: '' },
        { name: 'C', value: '' },
        { name: 'D', value: '' },
      ]);
    });

    it('takes single-quoted values literally', () => {
      expect(parse(String.raw`A='  spaced  '` + '\n' + String.raw`B='$HOME \n \" #x'` + '\n' + `C='a=b'`)).to.deep.equal([
        { name: 'A', value: '  spaced  ' },
        { name: 'B', value: String.raw`$HOME \n \" #x` },
        { name: 'C', value: 'a=b' },
      ]);
    });

    it('resolves \\" \\\\ \\n \\t \\$ in double-quoted values and expands no variables', () => {
      const [variable] = parse(String.raw`A="say \"hi\"\n\ttab \\ back \$HOME $USER"`);
      expect(variable).to.deep.equal({ name: 'A', value: 'say "hi"\n\ttab \\ back $HOME $USER' });
    });

    it('keeps other backslashes in double-quoted values as they are', () => {
      expect(parse(String.raw`P="C:\Users\x \r"`)).to.deep.equal([{ name: 'P', value: String.raw`C:\Users\x \r` }]);
    });

    it('allows spaces and a # comment after a closing quote', () => {
      expect(parse(`A="x y"   \nB='z' # the z\nC="#not a comment"#comment`)).to.deep.equal([
        { name: 'A', value: 'x y' },
        { name: 'B', value: 'z' },
        { name: 'C', value: '#not a comment' },
      ]);
    });

    it('tolerates CRLF line ends and a UTF-8 byte order mark', () => {
      expect(parse('\uFEFFA=1\r\n# c\r\nB="two"\r\n\r\nC=3 \r\n')).to.deep.equal([
        { name: 'A', value: '1' },
        { name: 'B', value: 'two' },
        { name: 'C', value: '3' },
      ]);
    });

    it('keeps non-ASCII values', () => {
      expect(parse('GREETING=héllo wörld ✓')).to.deep.equal([{ name: 'GREETING', value: 'héllo wörld ✓' }]);
    });

    it('keeps the first position and the last value of a name set twice', () => {
      expect(parse('A=1\nB=2\nA=3')).to.deep.equal([
        { name: 'A', value: '3' },
        { name: 'B', value: '2' },
      ]);
    });

    it('is case-sensitive about names', () => {
      expect(parse('a=1\nA=2')).to.deep.equal([
        { name: 'a', value: '1' },
        { name: 'A', value: '2' },
      ]);
    });

    describe('malformed lines', () => {
      it('rejects a line without "=", giving file and line, not the text', () => {
        const error = fileError('# comment', 'A=1', '', SECRET);
        expect(error.message).to.equal('env.txt:4: expected NAME=VALUE, but the line has no "="');
      });

      it('rejects "export NAME" without a value', () => {
        expect(fileError('export A').message).to.equal('env.txt:1: expected NAME=VALUE, but the line has no "="');
      });

      it('counts lines with CRLF ends and a BOM the same way', () => {
        const error = usageError(() => parseEnvironmentFile(`\uFEFFA=1\r\n\r\n${SECRET}\r\n`, 'env.txt'));
        expect(error.message).to.match(/^env\.txt:3: /);
      });

      it('rejects a missing name', () => {
        expect(fileError(`=${SECRET}`).message).to.equal('env.txt:1: missing variable name before "="');
        expect(fileError(`   = ${SECRET}`).message).to.equal('env.txt:1: missing variable name before "="');
      });

      it('rejects a bad name, pointing at the offending character without repeating the line', () => {
        expect(fileError('A=1', `MY-VAR=${SECRET}`).message).to.equal(
          'env.txt:2: invalid variable name: "-" at column 3 (a name is letters, digits and _, and does not start with a digit)',
        );
        expect(fileError(`1A=${SECRET}`).message).to.match(/^env\.txt:1: invalid variable name: "1" at column 1 /);
        expect(fileError(`  MY VAR=${SECRET}`).message).to.match(/^env\.txt:1: invalid variable name: character U\+0020 at column 5 /);
        expect(fileError(`export A.B=${SECRET}`).message).to.match(/^env\.txt:1: invalid variable name: "\." at column 9 /);
        expect(fileError(`NAMÉ=${SECRET}`).message).to.match(/^env\.txt:1: invalid variable name: character U\+00C9 at column 4 /);
      });

      it('does not repeat a pasted secret that happens to contain "="', () => {
        const pasted = 'ghp+/AbCdEf0123456789==';
        const error = usageError(() => parseEnvironmentFile(`A=1\n${pasted}\n`, 'env.txt'));
        expect(error.message).to.match(/^env\.txt:2: invalid variable name/);
        expect(error.message).not.to.include('ghp');
        expect(error.message).not.to.include('AbCdEf');
      });

      it('rejects unterminated quotes, naming the variable but not its value', () => {
        expect(fileError(`TOKEN="${SECRET}`).message).to.equal('env.txt:1: TOKEN: unterminated double quote (a quoted value must end on the same line)');
        expect(fileError('A=1', `TOKEN='${SECRET}`, "B='x'").message).to.equal(
          'env.txt:2: TOKEN: unterminated single quote (a quoted value must end on the same line)',
        );
        expect(fileError(String.raw`TOKEN="${SECRET}\"`).message).to.match(/^env\.txt:1: TOKEN: unterminated double quote/);
      });

      it('rejects a quoted value spread over several lines', () => {
        expect(fileError(`KEY="${SECRET}`, `${SECRET}"`).message).to.match(/^env\.txt:1: KEY: unterminated double quote/);
      });

      it('rejects text after a closing quote', () => {
        expect(fileError(`TOKEN="${SECRET}"${SECRET}`).message).to.equal(
          'env.txt:1: TOKEN: unexpected text after the closing double quote (only spaces or a # comment may follow)',
        );
        expect(fileError(`TOKEN='${SECRET}' ${SECRET}`).message).to.equal(
          'env.txt:1: TOKEN: unexpected text after the closing single quote (only spaces or a # comment may follow)',
        );
        expect(fileError(`TOKEN="a" "${SECRET}"`).message).to.match(/^env\.txt:1: TOKEN: unexpected text after the closing double quote/);
      });

      it('rejects a NUL character in a value', () => {
        expect(fileError(`TOKEN=${SECRET}\0x`).message).to.equal('env.txt:1: TOKEN: the value contains a NUL character');
      });

      it('names the file as given', () => {
        const error = usageError(() => parseEnvironmentFile('oops', '.s2i/environment'));
        expect(error.message).to.match(/^\.s2i\/environment:1: /);
      });
    });
  });

  describe('readEnvironmentFile', () => {
    let dir: string;
    let remove: () => Promise<void>;
    beforeEach(async () => ({ dir, remove } = await tempDir()));
    afterEach(() => remove());

    it('reads and parses a file', async () => {
      const path = join(dir, 'build.env');
      await writeFile(path, 'export A=1\r\nB="x y"\n');
      expect(await readEnvironmentFile(path)).to.deep.equal([
        { name: 'A', value: '1' },
        { name: 'B', value: 'x y' },
      ]);
    });

    it('follows a symlink given by the user', async () => {
      await writeFile(join(dir, 'real.env'), 'A=1\n');
      await symlink(join(dir, 'real.env'), join(dir, 'link.env'));
      expect(await readEnvironmentFile(join(dir, 'link.env'))).to.deep.equal([{ name: 'A', value: '1' }]);
    });

    it('uses the shown name in parse errors', async () => {
      const path = join(dir, 'build.env');
      await writeFile(path, `A=1\nB="${SECRET}\n`);
      const error = await rejectionOf(readEnvironmentFile(path, 'build.env'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('build.env:2: B: unterminated double quote (a quoted value must end on the same line)');
    });

    it('names a missing file', async () => {
      const path = join(dir, 'missing.env');
      const error = await rejectionOf(readEnvironmentFile(path));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal(`environment file ${path} not found`);
      const shown = await rejectionOf(readEnvironmentFile(path, 'missing.env'));
      expect((shown as UsageError).message).to.equal('environment file missing.env not found');
    });

    it('names a directory', async () => {
      const error = await rejectionOf(readEnvironmentFile(dir, 'somedir'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('environment file somedir is a directory, not a file');
    });

    it('refuses a file that is not UTF-8 text', async () => {
      const path = join(dir, 'binary.env');
      await writeFile(path, Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]));
      const error = await rejectionOf(readEnvironmentFile(path, 'binary.env'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('environment file binary.env is not UTF-8 text');
    });

    it('refuses a file larger than the limit', async () => {
      const path = join(dir, 'huge.env');
      await writeFile(path, `A=${'x'.repeat(MAX_ENVIRONMENT_FILE_BYTES)}\n`);
      const error = await rejectionOf(readEnvironmentFile(path, 'huge.env'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('environment file huge.env is larger than 1 MiB');
    });
  });

  describe('readSourceEnvironment', () => {
    let dir: string;
    let remove: () => Promise<void>;
    beforeEach(async () => ({ dir, remove } = await tempDir()));
    afterEach(() => remove());

    it('reads .s2i/environment', async () => {
      await mkdir(join(dir, '.s2i'));
      await writeFile(join(dir, '.s2i', 'environment'), 'A=1\n');
      expect(await readSourceEnvironment(dir)).to.deep.equal([{ name: 'A', value: '1' }]);
    });

    it('returns nothing when the source has no .s2i or no environment file', async () => {
      expect(await readSourceEnvironment(dir)).to.deep.equal([]);
      await mkdir(join(dir, '.s2i'));
      expect(await readSourceEnvironment(dir)).to.deep.equal([]);
    });

    it('reports errors as .s2i/environment:<line>', async () => {
      await mkdir(join(dir, '.s2i'));
      await writeFile(join(dir, '.s2i', 'environment'), `A=1\n${SECRET}\n`);
      const error = await rejectionOf(readSourceEnvironment(dir));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('.s2i/environment:2: expected NAME=VALUE, but the line has no "="');
    });

    it('refuses an environment file that is a symlink, even to a valid file', async () => {
      await writeFile(join(dir, 'outside.env'), 'A=1\n');
      await mkdir(join(dir, '.s2i'));
      await symlink(join(dir, 'outside.env'), join(dir, '.s2i', 'environment'));
      const error = await rejectionOf(readSourceEnvironment(dir));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('.s2i/environment in the source is not a regular file');
    });

    it('refuses a .s2i that is a symlink', async () => {
      await mkdir(join(dir, 'elsewhere'));
      await writeFile(join(dir, 'elsewhere', 'environment'), 'A=1\n');
      await symlink(join(dir, 'elsewhere'), join(dir, '.s2i'));
      const error = await rejectionOf(readSourceEnvironment(dir));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal('.s2i in the source is a symlink');
    });
  });

  describe('parseEnvArgument', () => {
    it('parses NAME=VALUE literally, = and quotes included', () => {
      expect(parseEnvArgument('A=1', {})).to.deep.equal({ name: 'A', value: '1' });
      expect(parseEnvArgument('URL=a=b', {})).to.deep.equal({ name: 'URL', value: 'a=b' });
      expect(parseEnvArgument('Q=" spaced "', {})).to.deep.equal({ name: 'Q', value: '" spaced "' });
      expect(parseEnvArgument('E=', {})).to.deep.equal({ name: 'E', value: '' });
    });

    it('takes the value of a bare NAME from the given environment', () => {
      expect(parseEnvArgument('TOKEN', { TOKEN: 'abc' })).to.deep.equal({ name: 'TOKEN', value: 'abc' });
      expect(parseEnvArgument('EMPTY', { EMPTY: '' })).to.deep.equal({ name: 'EMPTY', value: '' });
    });

    it("uses tjs2i's own environment by default", () => {
      const name = 'TJS2I_UNIT_ENV_TEST';
      process.env[name] = 'from-process';
      try {
        expect(parseEnvArgument(name)).to.deep.equal({ name, value: 'from-process' });
      } finally {
        delete process.env[name];
      }
    });

    it('rejects a bare NAME that is not set', () => {
      const error = usageError(() => parseEnvArgument('TOKEN', { OTHER: '1' }));
      expect(error.message).to.equal("-e TOKEN: no such variable is set in tjs2i's environment");
      expect(error.hint).to.include('-e NAME=VALUE');
    });

    it('shows only the start of a long bare word (a token pasted without NAME=)', () => {
      const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
      const error = usageError(() => parseEnvArgument(token, {}));
      expect(error.message).to.equal(`-e ghp_… (${token.length} characters): no such variable is set in tjs2i's environment`);
      expect(`${error.message} ${error.hint}`).not.to.contain('abcdefgh');
    });

    it('rejects a bad name without showing the value', () => {
      for (const arg of [`MY-VAR=${SECRET}`, `=${SECRET}`, `1X=${SECRET}`, `${SECRET}`, `A B=${SECRET}`]) {
        const error = usageError(() => parseEnvArgument(arg, {}));
        expect(error.message, arg).to.match(/^-e: (invalid variable name|missing variable name)/);
        expect(error.message, arg).not.to.include(SECRET);
        expect(error.hint, arg).to.include('-e NAME=VALUE');
      }
      expect(usageError(() => parseEnvArgument('MY-VAR=x', {})).message).to.equal(
        '-e: invalid variable name: "-" at column 3 (a name is letters, digits and _, and does not start with a digit)',
      );
    });
  });

  describe('mergeEnvironment', () => {
    it('lets later layers win and keeps the order of first appearance', () => {
      const file = [
        { name: 'A', value: 'file' },
        { name: 'B', value: 'file' },
      ];
      const source = [
        { name: 'C', value: 'source' },
        { name: 'A', value: 'source' },
      ];
      const args = [
        { name: 'B', value: 'arg' },
        { name: 'D', value: 'arg' },
      ];
      expect(mergeEnvironment(file, source, args)).to.deep.equal([
        { name: 'A', value: 'source' },
        { name: 'B', value: 'arg' },
        { name: 'C', value: 'source' },
        { name: 'D', value: 'arg' },
      ]);
    });

    it('lets a later entry of the same layer win, and an empty value override', () => {
      expect(
        mergeEnvironment(
          [
            { name: 'A', value: '1' },
            { name: 'A', value: '2' },
          ],
          [{ name: 'A', value: '' }],
        ),
      ).to.deep.equal([{ name: 'A', value: '' }]);
    });

    it('handles no layers and empty layers', () => {
      expect(mergeEnvironment()).to.deep.equal([]);
      expect(mergeEnvironment([], [{ name: 'A', value: '1' }], [])).to.deep.equal([{ name: 'A', value: '1' }]);
    });

    it('does not modify its inputs', () => {
      const layer = [{ name: 'A', value: '1' }];
      mergeEnvironment(layer, [{ name: 'A', value: '2' }]);
      expect(layer).to.deep.equal([{ name: 'A', value: '1' }]);
    });
  });

  describe('toDockerEnv', () => {
    it('formats NAME=VALUE, values kept verbatim', () => {
      expect(
        toDockerEnv([
          { name: 'A', value: '1' },
          { name: 'B', value: 'x=y z\n"q"' },
          { name: 'E', value: '' },
        ]),
      ).to.deep.equal(['A=1', 'B=x=y z\n"q"', 'E=']);
      expect(toDockerEnv([])).to.deep.equal([]);
    });
  });
});
