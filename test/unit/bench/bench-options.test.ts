import { expect } from 'chai';
import { formatDuration, formatMiB, formatPercent, formatRatio, formatSizeVs, markdownTable, median, TABLE_HEADER } from '../../../bench/figures.js';
import { notebook } from '../../../bench/courses.js';
import { BenchUsageError, CASES, parseBenchArgs, runsFor } from '../../../bench/options.js';

describe('bench figures', () => {
  it('median: the middle value, whatever the order; the mean of the two middle ones for an even count', () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([7])).to.equal(7);
    expect(Number.isNaN(median([]))).to.equal(true);
  });

  it('median leaves its input unsorted', () => {
    const runs = [3, 1, 2];
    median(runs);
    expect(runs).to.deep.equal([3, 1, 2]);
  });

  it('formats durations, ratios, sizes and memory', () => {
    expect(formatDuration(615)).to.equal('0.61 s');
    expect(formatDuration(97_420)).to.equal('97.4 s');
    expect(formatDuration(Number.NaN)).to.equal('–');
    expect(formatRatio(1400, 600)).to.equal('2.33×');
    expect(formatRatio(1400, Number.NaN)).to.equal('–');
    expect(formatRatio(1400, 0)).to.equal('–');
    expect(formatSizeVs(10_100_000, 10_000_000)).to.equal('10.1 MB vs 10.0 MB (+1.0 %)');
    expect(formatSizeVs(990_000_000, 1_000_000_000)).to.equal('990.0 MB vs 1.0 GB (−1.0 %)');
    expect(formatSizeVs(undefined, 1)).to.equal('–');
    expect(formatPercent(1_232_000, 1_000_000)).to.equal('+23.2 %');
    expect(formatPercent(5, Number.NaN)).to.equal('–');
    expect(formatMiB(120 * 1024 * 1024)).to.equal('120 MiB');
    expect(formatMiB(undefined)).to.equal('–');
  });

  it('prints a Markdown table: header, rule, one padded row per case, pipes in cells escaped', () => {
    const table = markdownTable([
      { case: '10 MB course', tjs2iMs: 700, baselineMs: 600, size: '10.1 MB vs 10.0 MB (+1.0 %)', peakRssBytes: 80 * 1024 * 1024 },
      { case: 'a | b', tjs2iMs: 12_000, baselineMs: 97_000, size: '–' },
    ]);
    const lines = table.split('\n');
    expect(lines).to.have.length(4);
    expect(
      lines[0]!
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    ).to.deep.equal([...TABLE_HEADER]);
    expect(lines[1]).to.match(/^\| -+ \| -+ \| -+ \| -+ \| -+ \| -+ \|$/);
    expect(lines[2]!.split(' | ').map((cell) => cell.replace(/^\| |\s*\|?$/g, '').trim())).to.deep.equal([
      '10 MB course',
      '0.70 s',
      '0.60 s',
      '1.17×',
      '10.1 MB vs 10.0 MB (+1.0 %)',
      '80 MiB',
    ]);
    expect(lines[3])
      .to.contain('a \\| b')
      .and.to.contain('0.12×')
      .and.to.match(/\| – +\|$/);
    expect(new Set(lines.map((line) => line.length)).size, 'every line as wide').to.equal(1);
  });
});

describe('bench options', () => {
  it('defaults: every case, 5 runs for small builds, 3 for the 2 GB case and the builders', () => {
    const options = parseBenchArgs([]);
    expect(options).to.deep.equal({ quick: false, cases: [...CASES], help: false });
    const expected: Record<(typeof CASES)[number], number> = {
      startup: 9,
      'up-to-date': 9,
      'course-10mb': 5,
      'notebooks-40mb': 5,
      'synthetic-2gb': 3,
      builder: 3,
      'builder-conda': 3,
      'today-builder': 3,
      'today-build': 5,
      preview: 5,
      'growth-size': 3,
      'growth-files': 3,
      'growth-base': 1,
    };
    expect(Object.fromEntries(CASES.map((name) => [name, runsFor(options, name)]))).to.deep.equal(expected);
  });

  it('every case of the issue is there: today’s stack, the preview, and the three growth series', () => {
    expect(CASES).to.include.members(['today-builder', 'today-build', 'preview', 'growth-size', 'growth-files', 'growth-base']);
  });

  it('--quick: the slow cases and each growth point once; --plots names a directory', () => {
    const quick = parseBenchArgs(['--quick', '--plots', 'docs/performance']);
    expect(quick.plots).to.equal('docs/performance');
    for (const name of ['today-builder', 'growth-size', 'growth-files', 'growth-base'] as const) expect(runsFor(quick, name), name).to.equal(1);
  });

  it('--quick runs each builder path once; --runs overrides every case', () => {
    expect(runsFor(parseBenchArgs(['--quick']), 'builder')).to.equal(1);
    expect(runsFor(parseBenchArgs(['--quick']), 'builder-conda')).to.equal(1);
    const options = parseBenchArgs(['--runs', '7', '--json', 'out.json', '--quick']);
    expect(options).to.include({ runs: 7, json: 'out.json', quick: true });
    expect(runsFor(options, 'builder')).to.equal(7);
    expect(runsFor(options, 'synthetic-2gb')).to.equal(7);
  });

  it('--cases keeps the canonical order and refuses unknown names', () => {
    expect(parseBenchArgs(['--cases', 'builder,course-10mb']).cases).to.deep.equal(['course-10mb', 'builder']);
    expect(() => parseBenchArgs(['--cases', 'course-10mb,huge'])).to.throw(BenchUsageError, /unknown case huge/);
    expect(() => parseBenchArgs(['--cases', ','])).to.throw(BenchUsageError, /none given/);
  });

  it('refuses bad values and unknown options', () => {
    for (const bad of [['--runs', '0'], ['--runs', '2.5'], ['--runs', 'x'], ['--runs'], ['--json', ''], ['--plots', ''], ['--fast'], ['extra']]) {
      expect(() => parseBenchArgs(bad), bad.join(' ')).to.throw(BenchUsageError);
    }
  });
});

describe('bench courses', () => {
  it('a synthetic notebook is valid nbformat 4 JSON of about the size asked', () => {
    const text = notebook('Lesson', 20_000);
    const parsed = JSON.parse(text) as { nbformat: number; cells: unknown[] };
    expect(parsed.nbformat).to.equal(4);
    expect(parsed.cells).to.have.length(2);
    expect(text.length).to.be.within(19_000, 21_000);
  });
});
