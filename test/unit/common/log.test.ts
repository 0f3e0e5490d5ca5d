import { expect } from 'chai';
import { createLogger, formatBytes, formatDuration } from '../../../src/common/log.js';
import { rejectionOf } from '../../support/unit/helpers.js';

function capture(level?: 'quiet' | 'info' | 'debug', times: number[] = [0, 0]) {
  const out: string[] = [];
  let i = 0;
  const logger = createLogger({
    ...(level ? { level } : {}),
    write: (text) => void out.push(text),
    now: () => times[Math.min(i++, times.length - 1)] ?? 0,
  });
  return { logger, out };
}

describe('log', () => {
  describe('formatDuration', () => {
    it('formats milliseconds, seconds and minutes', () => {
      expect(formatDuration(0)).to.equal('0 ms');
      expect(formatDuration(12.4)).to.equal('12 ms');
      expect(formatDuration(999)).to.equal('999 ms');
      expect(formatDuration(1000)).to.equal('1.0 s');
      expect(formatDuration(1540)).to.equal('1.5 s');
      expect(formatDuration(59_000)).to.equal('59.0 s');
      expect(formatDuration(60_000)).to.equal('1 min 0 s');
      expect(formatDuration(125_400)).to.equal('2 min 5 s');
    });

    it('never prints 60 seconds (119 600 ms is 2 min 0 s)', () => {
      expect(formatDuration(119_600)).to.equal('2 min 0 s');
      expect(formatDuration(59_999)).to.equal('1 min 0 s');
    });
  });

  describe('formatBytes', () => {
    it('never prints 1000.0 of a unit (999 999 B is 1.0 MB)', () => {
      expect(formatBytes(999_999)).to.equal('1.0 MB');
    });

    it('uses decimal units', () => {
      expect(formatBytes(0)).to.equal('0 B');
      expect(formatBytes(999)).to.equal('999 B');
      expect(formatBytes(1000)).to.equal('1.0 kB');
      expect(formatBytes(1_500_000)).to.equal('1.5 MB');
      expect(formatBytes(2_345_000_000)).to.equal('2.3 GB');
      expect(formatBytes(7e12)).to.equal('7.0 TB');
      expect(formatBytes(7e15)).to.equal('7000.0 TB');
    });
  });

  describe('createLogger', () => {
    it('prints info, warnings and output at the info level, not debug', () => {
      const { logger, out } = capture('info');
      logger.info('hello');
      logger.warn('careful');
      logger.debug('hidden');
      logger.output(Buffer.from('raw chunk'));
      expect(out).to.deep.equal(['hello\n', 'warning: careful\n', 'raw chunk']);
      expect(logger.level).to.equal('info');
    });

    it('defaults to the info level', () => {
      const { logger } = capture();
      expect(logger.level).to.equal('info');
    });

    it('prints debug lines at the debug level', () => {
      const { logger, out } = capture('debug');
      logger.debug('details');
      logger.info('x');
      expect(out).to.deep.equal(['debug: details\n', 'x\n']);
    });

    it('prints nothing but warnings at the quiet level', async () => {
      const { logger, out } = capture('quiet');
      logger.info('hello');
      logger.debug('details');
      logger.output('raw');
      const result = await logger.step('build', 'thing', async () => 42);
      await rejectionOf(logger.step('fail', 'thing', async () => Promise.reject(new Error('boom'))));
      logger.warn('careful');
      expect(result).to.equal(42);
      expect(out).to.deep.equal(['warning: careful\n']);
    });

    it('step prints the start and a timed done line, and returns the result', async () => {
      const { logger, out } = capture('info', [1000, 2500]);
      const result = await logger.step('upload', 'source to /tmp/src', async () => 'ok');
      expect(result).to.equal('ok');
      expect(out).to.deep.equal(['==> upload: source to /tmp/src\n', '<== upload done in 1.5 s\n']);
    });

    it('step prints a failed line and rethrows the same error', async () => {
      const { logger, out } = capture('info', [0, 250]);
      const boom = new Error('boom');
      const error = await rejectionOf(
        logger.step('assemble', '/usr/libexec/s2i/assemble', async () => {
          throw boom;
        }),
      );
      expect(error).to.equal(boom);
      expect(out).to.deep.equal(['==> assemble: /usr/libexec/s2i/assemble\n', '<== assemble failed after 250 ms\n']);
    });
  });

  describe('createLogger with plain lines', () => {
    function plainCapture(level: 'quiet' | 'info' = 'info') {
      const out: string[] = [];
      const logger = createLogger({
        level,
        write: (text) => void out.push(text),
        now: () => 0,
        plain: { timestamps: true, clock: () => Date.parse('2026-11-26T11:25:03.123Z') },
        terminal: true,
      });
      return { logger, text: () => out.join('') };
    }
    const T = '2026-11-26T11:25:03.123Z';

    it('timestamps its own lines and the output, and is not a terminal', async () => {
      const { logger, text } = plainCapture();
      expect(logger.terminal).to.equal(false);
      await logger.step('assemble', 'x', async () => logger.output(Buffer.from('\x1b[32mok\x1b[0m\npartial')));
      logger.warn('careful');
      expect(text()).to.equal(`${T} ==> assemble: x\n${T} ok\n${T} partial\n${T} <== assemble done in 0 ms\n${T} warning: careful\n`);
    });

    it('line prints at every level, one timestamp for each of its lines', () => {
      const { logger, text } = plainCapture('quiet');
      logger.output('hidden');
      logger.line('last lines of output:\n  a\n  b');
      expect(text()).to.equal(`${T} last lines of output:\n${T}   a\n${T}   b\n`);
    });

    it('flush ends the last unterminated line of output', () => {
      const { logger, text } = plainCapture();
      logger.output('no newline at the end');
      expect(text()).to.equal('');
      logger.flush();
      expect(text()).to.equal(`${T} no newline at the end\n`);
    });

    it('keeps the partial line of each stream apart: stderr arriving amid a stdout line is a line of its own', () => {
      const { logger, text } = plainCapture();
      logger.output(Buffer.from('\rprogress   0%\rprogress  25%'), 'stdout');
      logger.output(Buffer.from('from stderr\n'), 'stderr');
      logger.output(Buffer.from('\rprogress 100%\n'), 'stdout');
      logger.output(Buffer.from('tail of stderr'), 'stderr');
      logger.line('==> next');
      expect(text().split('\n')).to.deep.equal([`${T} progress   0%`, `${T} from stderr`, `${T} progress 100%`, `${T} tail of stderr`, `${T} ==> next`, '']);
    });

    it('times never go back across streams, even when the wall clock does', () => {
      const out: string[] = [];
      const times = [Date.parse('2026-11-26T11:25:03.500Z'), Date.parse('2026-11-26T11:25:03.100Z')];
      let i = 0;
      const logger = createLogger({ write: (t) => void out.push(t), plain: { timestamps: true, clock: () => times[Math.min(i++, 1)]! } });
      logger.output('a\n', 'stdout');
      logger.output('b\n', 'stderr');
      expect(out.join('')).to.equal('2026-11-26T11:25:03.500Z a\n2026-11-26T11:25:03.500Z b\n');
    });

    it('without plain, a UTF-8 character cut between chunks of a stream comes out whole', () => {
      const out: string[] = [];
      const logger = createLogger({ write: (t) => void out.push(t) });
      const bytes = Buffer.from('café ✓\n');
      logger.output(bytes.subarray(0, 4), 'stdout');
      logger.output(bytes.subarray(4, 8), 'stdout');
      logger.output(bytes.subarray(8), 'stdout');
      expect(out.join('')).to.equal('café ✓\n');
      expect(out.some((t) => t.includes('\ufffd'))).to.equal(false);
      // A line of tjs2i's own between the two halves of a character does not break it.
      out.length = 0;
      logger.output(bytes.subarray(0, 4), 'stdout');
      logger.warn('careful');
      logger.output(bytes.subarray(4), 'stdout');
      expect(out.join('')).to.equal('cafwarning: careful\né ✓\n');
    });

    it('without plain, writes as it comes and says whether that is a terminal', () => {
      const out: string[] = [];
      const logger = createLogger({ write: (t) => void out.push(t), terminal: true });
      logger.output('\x1b[1mraw\r');
      logger.line('x');
      expect(out).to.deep.equal(['\x1b[1mraw\r', 'x\n']);
      expect(logger.terminal).to.equal(true);
      expect(createLogger({ write: () => undefined }).terminal).to.equal(false);
    });
  });
});
