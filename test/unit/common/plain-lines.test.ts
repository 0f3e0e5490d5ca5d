import { expect } from 'chai';
import { createPlainLines, MAX_LINE_CHARS, type PlainLinesOptions } from '../../../src/common/plain-lines.js';

const T0 = Date.parse('2026-11-26T11:25:03.123Z');

/** Plain lines into an array of writes; the clock is a variable the test moves. */
function capture(options: Partial<PlainLinesOptions> = {}) {
  const writes: string[] = [];
  const time = { now: T0 };
  const lines = createPlainLines({ timestamps: false, clock: () => time.now, ...options, write: (text) => void writes.push(text) });
  const text = () => writes.join('');
  return { lines, writes, time, text, split: () => text().split('\n').slice(0, -1) };
}

/** Every way of cutting `input` in two. */
function cuts(input: Buffer): Array<[Buffer, Buffer]> {
  return Array.from({ length: input.length + 1 }, (_, i) => [input.subarray(0, i), input.subarray(i)]);
}

describe('plain-lines', () => {
  it('passes plain text through as lines, tabs kept', () => {
    const { lines, text } = capture();
    lines.write('one\ntwo\tcolumns\n');
    expect(text()).to.equal('one\ntwo\tcolumns\n');
  });

  it('prefixes each line with the ISO-8601 UTC time in milliseconds', () => {
    const { lines, text, time } = capture({ timestamps: true });
    lines.write('==> clone: x\n');
    time.now += 1500;
    lines.write('\n<== clone done\n');
    expect(text()).to.equal('2026-11-26T11:25:03.123Z ==> clone: x\n2026-11-26T11:25:04.623Z\n2026-11-26T11:25:04.623Z <== clone done\n');
  });

  it('never writes a time earlier than one already written (the clock set back)', () => {
    const { lines, split, time } = capture({ timestamps: true });
    lines.write('a\n');
    time.now -= 60_000;
    lines.write('b\n');
    expect(split()).to.deep.equal(['2026-11-26T11:25:03.123Z a', '2026-11-26T11:25:03.123Z b']);
  });

  it('removes colours, cursor moves, window titles, links and other escape sequences', () => {
    const { lines, text } = capture();
    lines.write('\x1b[1;31merror\x1b[0m: \x1b[2K\x1b[?25lred\x1b[?25h\n');
    lines.write('\x1b]0;title\x07\x1b]8;;https://example.org\x1b\\link\x1b]8;;\x1b\\ \x1b(Bcharset \x1b7saved\x1b8\n');
    lines.write('\x1bPdevice control\x1b\\kept\n');
    expect(text()).to.equal('error: red\nlink charset saved\nkept\n');
  });

  it('removes every control character but newline and tab (bell, backspace, NUL, DEL, C1)', () => {
    const { lines, text } = capture();
    lines.write('a\x00b\x07c\x08d\x0be\x0cf\x7fg\u0085h\u009bi\n');
    expect(text()).to.equal('abcdefghi\n');
  });

  it('keeps non-ASCII text intact, cut at every byte of a UTF-8 character', () => {
    const input = Buffer.from('Ünïcode ✓ 🎉 done\n');
    for (const [a, b] of cuts(input)) {
      const { lines, text } = capture();
      lines.write(a);
      lines.write(b);
      expect(text(), `cut at ${a.length}`).to.equal('Ünïcode ✓ 🎉 done\n');
    }
  });

  it('removes an escape sequence cut at every byte', () => {
    const input = Buffer.from('\x1b[38;5;196mred\x1b[0m \x1b]0;a title\x1b\\plain\r\n');
    for (const [a, b] of cuts(input)) {
      const { lines, text } = capture();
      lines.write(a);
      lines.write(b);
      expect(text(), `cut at ${a.length}`).to.equal('red plain\n');
    }
  });

  it('keeps a line until its end arrives, and flush ends the last unterminated line', () => {
    const { lines, writes, text } = capture();
    lines.write('Collecting ');
    expect(writes).to.deep.equal([]);
    lines.write('numpy\nInstalling');
    expect(text()).to.equal('Collecting numpy\n');
    lines.flush();
    expect(text()).to.equal('Collecting numpy\nInstalling\n');
    lines.flush();
    expect(text(), 'nothing more to flush').to.equal('Collecting numpy\nInstalling\n');
  });

  it('output that never ends its line is written in lines of MAX_LINE_CHARS as it comes, nothing lost', () => {
    const { lines, split, writes } = capture();
    for (let i = 0; i < MAX_LINE_CHARS * 2 + 10; i++) lines.write('.');
    expect(split(), 'two full lines out before the end').to.deep.equal(['.'.repeat(MAX_LINE_CHARS), '.'.repeat(MAX_LINE_CHARS)]);
    lines.write('done\n');
    expect(split().slice(2)).to.deep.equal([`${'.'.repeat(10)}done`]);
    expect(writes.join('').replace(/\n/g, '')).to.equal(`${'.'.repeat(MAX_LINE_CHARS * 2 + 10)}done`);
  });

  it('flush ends a UTF-8 character cut short with a replacement character, never loses the line', () => {
    const { lines, text } = capture();
    lines.write(Buffer.from('caf\xc3', 'latin1'));
    lines.flush();
    expect(text()).to.equal('caf\ufffd\n');
  });

  it('takes CRLF as one line end, even cut between CR and LF', () => {
    const { lines, text } = capture();
    lines.write('dos\r');
    lines.write('\nline\r\n');
    expect(text()).to.equal('dos\nline\n');
  });

  it('a progress bar redrawn with CR becomes lines: the first frame, one a second, and the last', () => {
    const { lines, split, time } = capture({ timestamps: false, redrawIntervalMs: 1000 });
    lines.write('Downloading  0%');
    for (let percent = 10; percent <= 100; percent += 10) {
      time.now += 250;
      lines.write(`\r\x1b[KDownloading ${String(percent).padStart(2)}%`);
    }
    lines.write('\nDone\n');
    expect(split()).to.deep.equal(['Downloading  0%', 'Downloading 40%', 'Downloading 80%', 'Downloading 100%', 'Done']);
  });

  it('keeps the text a CR overwrites when it is a line of its own (status then result)', () => {
    const { lines, split } = capture();
    lines.write('Solving environment: ...working...\rSolving environment: done\n');
    expect(split()).to.deep.equal(['Solving environment: ...working...', 'Solving environment: done']);
  });

  it('drops empty frames and a CR at the end of the output', () => {
    const { lines, split } = capture();
    lines.write('\r\r   \rok\r');
    lines.flush();
    expect(split()).to.deep.equal(['ok']);
  });

  it('an unterminated OSC sequence ends at the newline: it does not swallow the rest of the log', () => {
    const { lines, text } = capture();
    lines.write('a\x1b]0;no end\nnext line\n');
    expect(text()).to.equal('a\nnext line\n');
  });

  it('an ESC that starts no sequence leaves the text after it', () => {
    const { lines, text } = capture();
    lines.write('x\x1b\ny\x1b\x1b[1mz\n');
    expect(text()).to.equal('x\nyz\n');
  });

  it('no control character ever comes out, whatever the input', () => {
    const { lines, text } = capture({ timestamps: true });
    for (let seed = 1; seed < 2000; seed++) lines.write(Buffer.from([(seed * 7919) % 256, (seed * 104729) % 256, seed % 128]));
    lines.flush();
    expect(text()).to.match(/\n$/);
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    expect(text().replace(/\n/g, '')).not.to.match(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
  });
});
