import { expect } from 'chai';
import { TailBuffer } from '../../../src/common/tail-buffer.js';

describe('TailBuffer', () => {
  it('keeps only the last N complete lines', () => {
    const tail = new TailBuffer(3);
    tail.push('one\ntwo\nthree\nfour\nfive\n');
    expect(tail.get()).to.deep.equal(['three', 'four', 'five']);
  });

  it('joins lines split across chunks, strings and buffers alike', () => {
    const tail = new TailBuffer(10);
    tail.push('hel');
    tail.push(Buffer.from('lo\nwor'));
    tail.push('ld\n');
    expect(tail.get()).to.deep.equal(['hello', 'world']);
  });

  it('includes an unterminated last line, still within the limit', () => {
    const tail = new TailBuffer(2);
    tail.push('a\nb\nc\npartial');
    expect(tail.get()).to.deep.equal(['c', 'partial']);
  });

  it('strips carriage returns of CRLF lines', () => {
    const tail = new TailBuffer(5);
    tail.push('x\r\ny\r\n');
    expect(tail.get()).to.deep.equal(['x', 'y']);
  });

  it('keeps the partial line of each stream apart', () => {
    const tail = new TailBuffer(5);
    tail.push('half of out', 'stdout');
    tail.push('err line\n', 'stderr');
    tail.push(' and the rest\n', 'stdout');
    tail.push('unterminated', 'stderr');
    expect(tail.get()).to.deep.equal(['err line', 'half of out and the rest', 'unterminated']);
  });

  it('is empty before any output', () => {
    expect(new TailBuffer(5).get()).to.deep.equal([]);
  });
});
