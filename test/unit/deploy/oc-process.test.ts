import { expect } from 'chai';
import { generate, parseExpression, processTemplate } from '../../support/kubernetes/oc-process.js';

describe("oc-process (the tests' oc process)", () => {
  const template = {
    kind: 'Template',
    labels: { app: '${NAME}' },
    parameters: [
      { name: 'NAME', required: true },
      { name: 'SECRET', generate: 'expression', from: '[a-zA-Z0-9]{8}', required: true },
      { name: 'REPLICAS', value: '2' },
      { name: 'EMPTY' },
    ],
    objects: [
      {
        kind: 'Thing',
        metadata: { name: '${NAME}', labels: { keep: 'me' } },
        spec: { replicas: '${{REPLICAS}}', text: 'x-${NAME}-${SECRET}', empty: '${EMPTY}', unknown: '${NOPE}', list: ['${NAME}', 3, true, null] },
      },
    ],
  };

  it('substitutes ${NAME} in strings, ${{NAME}} as JSON, and leaves unknown references', () => {
    const { objects, values } = processTemplate(template, { NAME: 'nb', SECRET: 'fixed' });
    expect(values).to.deep.equal({ NAME: 'nb', SECRET: 'fixed', REPLICAS: '2', EMPTY: '' });
    expect(objects[0]).to.deep.equal({
      kind: 'Thing',
      metadata: { name: 'nb', labels: { keep: 'me', app: 'nb' } },
      spec: { replicas: 2, text: 'x-nb-fixed', empty: '', unknown: '${NOPE}', list: ['nb', 3, true, null] },
    });
  });

  it('generates a value from the expression when none is given', () => {
    const { values } = processTemplate(template, { NAME: 'nb' });
    expect(values.SECRET).to.match(/^[a-zA-Z0-9]{8}$/);
    const other = processTemplate(template, { NAME: 'nb' }).values.SECRET;
    expect(other).to.match(/^[a-zA-Z0-9]{8}$/);
  });

  it('refuses a missing required value and an unknown parameter', () => {
    expect(() => processTemplate(template)).to.throw('parameter NAME is required');
    expect(() => processTemplate(template, { NAME: 'nb', OTHER: 'x' })).to.throw('unknown parameter name "OTHER"');
    expect(() => processTemplate({ ...template, kind: 'List' })).to.throw('not a Template');
  });

  it('refuses a template label that contradicts an object label', () => {
    const clash = { ...template, objects: [{ kind: 'Thing', metadata: { labels: { app: 'other' } } }] };
    expect(() => processTemplate(clash, { NAME: 'nb' })).to.throw('label app');
  });

  it('parses expressions: classes, ranges, escapes, counts and literals', () => {
    expect(parseExpression('[a-c]{2}x\\d')).to.deep.equal(['abc', 'abc', 'x', '0123456789']);
    expect(parseExpression('[\\w]')[0]).to.have.length(63);
    expect(parseExpression('\\a')[0]).to.have.length(52);
    expect(parseExpression('[a-zA-Z0-9]{8}')).to.have.length(8);
    expect(parseExpression('[a-zA-Z0-9]')[0]).to.have.length(62);
    expect(() => parseExpression('[abc')).to.throw('unclosed');
    expect(() => parseExpression('[z-a]')).to.throw('bad range');
    expect(() => parseExpression('a{0}')).to.throw('out of range');
    // A fixed pick shows which characters each position may take.
    expect(generate('[a-c]{3}-\\d', () => 0)).to.equal('aaa-0');
    expect(generate('[a-c]{3}', (n) => n - 1)).to.equal('ccc');
  });
});
