import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../../../src/common/errors.js';
import {
  collapseDoubleStars,
  ignorePatterns,
  MAX_IGNORE_LINE_CHARS,
  MAX_IGNORE_PATTERNS,
  readS2iIgnore,
  sourceFilter,
} from '../../../src/source/source-filter.js';

async function rulesOf(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-ignore-'));
  try {
    await writeFile(join(dir, '.s2iignore'), text);
    return sourceFilter(undefined, (await readS2iIgnore(dir))?.rules);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

describe('.s2iignore', () => {
  it('reads runs of ** segments as one, as git does', () => {
    expect(collapseDoubleStars('a/**/**/**/**/**/**/**/**/x')).to.equal('a/**/x');
    expect(collapseDoubleStars('**/**/*.py')).to.equal('**/*.py');
    expect(collapseDoubleStars('build/**/**')).to.equal('build/**');
    expect(collapseDoubleStars('a/**/b/**/c')).to.equal('a/**/b/**/c');
    expect(ignorePatterns(`# comment\n\n${'a/' + '**/'.repeat(8)}x\n`)).to.deep.equal(['a/**/x']);
  });

  it('matches a collapsed pattern as the written one means: any depth, zero levels included', async () => {
    const ignored = await rulesOf(`${'data/' + '**/'.repeat(8)}*.csv\n`);
    expect(ignored('data/a.csv', false)).to.equal(true);
    expect(ignored('data/x/y/z/a.csv', false)).to.equal(true);
    expect(ignored('data/x/y/z/a.txt', false)).to.equal(false);
    expect(ignored('other/a.csv', false)).to.equal(false);
  });

  it('matches case-sensitively, as .gitignore on Linux', async () => {
    const ignored = await rulesOf('Data/\n*.LOG\n');
    expect(ignored('Data', true)).to.equal(true);
    expect(ignored('data', true)).to.equal(false);
    expect(ignored('run.log', false)).to.equal(false);
    expect(ignored('run.LOG', false)).to.equal(true);
  });

  it(`refuses more than ${MAX_IGNORE_PATTERNS} patterns, naming the line (exit 2)`, () => {
    const text = ['# many', ...Array.from({ length: MAX_IGNORE_PATTERNS + 1 }, (_, i) => `file-${i}`)].join('\n');
    const error = usageErrorOf(() => ignorePatterns(text));
    expect(error.exitCode).to.equal(ExitCode.usage);
    expect(error.message).to.equal(`.s2iignore line ${MAX_IGNORE_PATTERNS + 2}: .s2iignore holds more than ${MAX_IGNORE_PATTERNS} patterns`);
    expect(ignorePatterns(text.split('\n').slice(0, -1).join('\n'))).to.have.length(MAX_IGNORE_PATTERNS);
  });

  it(`refuses a line longer than ${MAX_IGNORE_LINE_CHARS} characters, naming it (exit 2)`, () => {
    const error = usageErrorOf(() => ignorePatterns(`ok\n${'x'.repeat(MAX_IGNORE_LINE_CHARS + 1)}\n`));
    expect(error.message).to.equal(`.s2iignore line 2 is ${MAX_IGNORE_LINE_CHARS + 1} characters long, more than ${MAX_IGNORE_LINE_CHARS}`);
    expect(ignorePatterns('x'.repeat(MAX_IGNORE_LINE_CHARS))).to.have.length(1);
  });
});
