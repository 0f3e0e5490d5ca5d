import { expect } from 'chai';
import { fitLinear, formatSlope, type LinearFit } from '../../../bench/growth.js';

const slope = (slopeMsPerUnit: number): LinearFit => ({ slopeMsPerUnit, interceptMs: 0, r2: 1, points: 2 });

describe('bench growth', () => {
  it('fits points on a line exactly: its slope and intercept, r² = 1', () => {
    const fit = fitLinear([1, 2, 4, 8, 16].map((x) => ({ x, ms: 250 + 12.5 * x })));
    expect(fit.slopeMsPerUnit).to.be.closeTo(12.5, 1e-9);
    expect(fit.interceptMs).to.be.closeTo(250, 1e-9);
    expect(fit.r2).to.be.closeTo(1, 1e-12);
    expect(fit.points).to.equal(5);
  });

  it('fits noisy points by least squares (known values), in any order', () => {
    // x̄ = 2.5, ȳ = 3.75, Sxy = 3.5, Sxx = 5, SSres = 2.3, SStot = 4.75.
    const points = [
      { x: 3, ms: 5 },
      { x: 1, ms: 2 },
      { x: 4, ms: 4 },
      { x: 2, ms: 4 },
    ];
    const fit = fitLinear(points);
    expect(fit.slopeMsPerUnit).to.be.closeTo(0.7, 1e-12);
    expect(fit.interceptMs).to.be.closeTo(2, 1e-12);
    expect(fit.r2).to.be.closeTo(1 - 2.3 / 4.75, 1e-12);
    expect(fit.points).to.equal(4);
  });

  it('a falling series has a negative slope', () => {
    const fit = fitLinear([
      { x: 0, ms: 10 },
      { x: 10, ms: 0 },
    ]);
    expect(fit.slopeMsPerUnit).to.be.closeTo(-1, 1e-12);
    expect(fit.interceptMs).to.be.closeTo(10, 1e-12);
  });

  it('no line from fewer than two points or from equal x values: NaN, with the count kept', () => {
    for (const points of [[], [{ x: 1, ms: 5 }], [0.1, 0.1, 0.1].map((x, i) => ({ x, ms: i }))]) {
      const fit = fitLinear(points);
      expect(fit.points).to.equal(points.length);
      expect([fit.slopeMsPerUnit, fit.interceptMs, fit.r2].every(Number.isNaN), JSON.stringify(points)).to.equal(true);
    }
  });

  it('a flat series: slope 0, intercept its level, r² NaN (nothing to explain)', () => {
    const fit = fitLinear([1, 2, 3].map((x) => ({ x, ms: 40 })));
    expect(fit.slopeMsPerUnit).to.equal(0);
    expect(fit.interceptMs).to.equal(40);
    expect(Number.isNaN(fit.r2)).to.equal(true);
  });

  it('a non-finite time makes the fit NaN rather than dropping the point', () => {
    const fit = fitLinear([
      { x: 1, ms: 10 },
      { x: 2, ms: Number.NaN },
      { x: 3, ms: 30 },
    ]);
    expect(Number.isNaN(fit.slopeMsPerUnit)).to.equal(true);
  });

  it('formats a slope to three significant figures, in seconds from 1000 ms on', () => {
    expect(formatSlope(slope(12.345), 'MB')).to.equal('12.3 ms per MB');
    expect(formatSlope(slope(5), 'file')).to.equal('5.00 ms per file');
    expect(formatSlope(slope(0.5), 'file')).to.equal('0.500 ms per file');
    expect(formatSlope(slope(0.001234), 'file')).to.equal('0.00123 ms per file');
    expect(formatSlope(slope(123.46), 'MB')).to.equal('123 ms per MB');
    expect(formatSlope(slope(999.4), 'MB')).to.equal('999 ms per MB');
    expect(formatSlope(slope(999.6), 'MB')).to.equal('1.00 s per MB');
    expect(formatSlope(slope(1234), 'GB')).to.equal('1.23 s per GB');
    expect(formatSlope(slope(98_765), 'GB')).to.equal('98.8 s per GB');
    expect(formatSlope(slope(1_234_567), 'GB')).to.equal('1230 s per GB');
    expect(formatSlope(slope(0), 'MB')).to.equal('0.00 ms per MB');
    expect(formatSlope(slope(-12.34), 'file')).to.equal('−12.3 ms per file');
    expect(formatSlope(slope(-2500), 'GB')).to.equal('−2.50 s per GB');
  });

  it('formats a missing slope as a dash', () => {
    expect(formatSlope(slope(Number.NaN), 'MB')).to.equal('–');
    expect(formatSlope(slope(Number.POSITIVE_INFINITY), 'MB')).to.equal('–');
    expect(formatSlope(fitLinear([]), 'MB')).to.equal('–');
  });
});
