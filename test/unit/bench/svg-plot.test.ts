import { expect } from 'chai';
import { svgPlot, type PlotSpec } from '../../../bench/svg-plot.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;
const circleXs = (svg: string) => [...svg.matchAll(/<circle cx="([^"]+)"/g)].map((m) => Number(m[1]));
const circleYs = (svg: string) => [...svg.matchAll(/<circle cx="[^"]+" cy="([^"]+)"/g)].map((m) => Number(m[1]));

const spec: PlotSpec = {
  title: 'Build time by course size',
  xLabel: 'course (MB)',
  yLabel: 'time (ms)',
  series: [
    {
      name: 'tjs2i',
      points: [
        { x: 1, y: 700 },
        { x: 10, y: 900 },
        { x: 100, y: 2600 },
      ],
    },
    {
      name: 'floor',
      points: [
        { x: 1, y: 600 },
        { x: 10, y: 750 },
        { x: 100, y: 2100 },
      ],
    },
  ],
};

describe('bench svg plot', () => {
  it('is a standalone SVG document: 800×400, white background, balanced tags', () => {
    const svg = svgPlot(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.endsWith('</svg>')).to.equal(true);
    expect(svg).to.contain('width="800" height="400" viewBox="0 0 800 400"');
    expect(svg).to.contain('fill="#ffffff"');
    expect(count(svg, '<svg')).to.equal(1);
    expect(count(svg, '<text')).to.equal(count(svg, '</text>'));
    // Every other element closes itself.
    expect(count(svg, '<') - 2 * count(svg, '<text') - 2).to.equal(count(svg, '/>'));
  });

  it('draws one polyline per non-empty series, a marker per point, distinct colours and a legend', () => {
    const svg = svgPlot({ ...spec, series: [...spec.series, { name: 'empty', points: [] }] });
    expect(count(svg, '<polyline')).to.equal(2);
    expect(count(svg, '<circle')).to.equal(6);
    expect(svg).to.contain('stroke="#1f77b4"').and.to.contain('stroke="#d62728"');
    for (const name of ['tjs2i', 'floor', 'empty']) expect(svg).to.contain(`>${name}</text>`);
    for (const text of ['Build time by course size', 'course (MB)', 'time (ms)']) expect(svg).to.contain(`>${text}</text>`);
  });

  it('escapes text', () => {
    const svg = svgPlot({ ...spec, title: 'a <b> & "c" \'d\'', series: [{ name: '<&>', points: [{ x: 1, y: 1 }] }] });
    expect(svg).to.contain('>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;</text>');
    expect(svg).to.contain('>&lt;&amp;&gt;</text>');
    expect(svg).not.to.contain('<b>');
  });

  it('is deterministic, coordinates to one decimal at most', () => {
    expect(svgPlot(spec)).to.equal(svgPlot(spec));
    for (const m of svgPlot(spec).matchAll(/ (?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"/g)) expect(m[1]).to.match(/^-?\d+(\.\d)?$/);
  });

  it('on a log x axis, ticks at each x of the data and 10 halfway between 1 and 100', () => {
    const svg = svgPlot({ ...spec, logX: true, series: [{ name: 's', points: [3, 30, 300, 3000].map((x) => ({ x, y: 1 })) }] });
    for (const x of [3, 30, 300, 3000]) expect(svg).to.contain(`text-anchor="middle">${x}</text>`);
    const [a, b, c] = circleXs(svgPlot({ ...spec, logX: true }));
    expect(b! - a!).to.be.closeTo(c! - b!, 0.11);
    expect(c).to.be.greaterThan(a!);
  });

  it('on a log x axis, leaves out x ≤ 0', () => {
    const svg = svgPlot({ ...spec, logX: true, series: [{ name: 's', points: [0, -1, 1, 10].map((x) => ({ x, y: x })) }] });
    expect(circleXs(svg)).to.have.length(2);
    expect(svg).not.to.contain('NaN');
  });

  it('on a linear x axis, about five nice ticks; y from 0 to a nice maximum at or above the data', () => {
    const svg = svgPlot(spec);
    const xTicks = [...svg.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(xTicks).to.deep.equal([0, 20, 40, 60, 80, 100]);
    const yTicks = [...svg.matchAll(/text-anchor="end">([^<]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(yTicks).to.deep.equal([0, 500, 1000, 1500, 2000, 2500, 3000]);
    // The top tick sits at the top of the plot, so 2600 is below it: a larger y, 0 lowest.
    expect(Math.min(...circleYs(svg))).to.be.greaterThan(45);
  });

  it('skips non-finite points and copes with no data or a single point', () => {
    const points = [
      { x: 1, y: Number.NaN },
      { x: Number.POSITIVE_INFINITY, y: 2 },
      { x: 2, y: 4 },
    ];
    const svg = svgPlot({ ...spec, series: [{ name: 's', points }] });
    expect(circleXs(svg)).to.have.length(1);
    expect(count(svg, '<polyline')).to.equal(1);
    for (const s of [
      svg,
      svgPlot({ ...spec, series: [] }),
      svgPlot({ ...spec, logX: true, series: [] }),
      svgPlot({ ...spec, series: [{ name: 'nan', points: [{ x: Number.NaN, y: Number.NaN }] }] }),
      svgPlot({ ...spec, logX: true, series: [{ name: 'one', points: [{ x: 5, y: 0 }] }] }),
      svgPlot({ ...spec, series: [{ name: 'flat', points: [{ x: 1e17, y: -3 }] }] }),
    ]) {
      expect(s.endsWith('</svg>')).to.equal(true);
      expect(s).not.to.contain('NaN');
      expect(s).not.to.contain('Infinity');
    }
  });
});
