import { expect } from 'chai';
import { HostUrlLog } from '../../../src/serve/host-url-log.js';

const TOKEN = 'e5ed833a65c15eec953160747f31a033c5e3c6c9aac4fca8';

/** jupyter_server 2's start-up lines, as it prints them in a container listening on all interfaces. */
const SERVER2 = [
  '[I 2026-12-06 15:02:12.438 ServerApp] Jupyter Server 2.20.0 is running at:',
  `[I 2026-12-06 15:02:12.438 ServerApp] http://563574531c14:8888/course/lab/tree/work?token=${TOKEN}`,
  `[I 2026-12-06 15:02:12.438 ServerApp]     http://127.0.0.1:8888/course/lab/tree/work?token=${TOKEN}`,
  '[I 2026-12-06 15:02:12.438 ServerApp] Use Control-C to stop this server and shut down all kernels (twice to skip confirmation).',
  '[C 2026-12-06 15:02:12.441 ServerApp] ',
  '    ',
  '    To access the server, open this file in a browser:',
  '        file:/home/jovyan/.local/share/jupyter/runtime/jpserver-7-open.html',
  '    Or copy and paste one of these URLs:',
  `        http://563574531c14:8888/course/lab/tree/work?token=${TOKEN}`,
  `        http://127.0.0.1:8888/course/lab/tree/work?token=${TOKEN}`,
  '    The server is listening on all interfaces, so any hostname or IP of this machine will work.',
];

/** Notebook 6's. */
const NOTEBOOK6 = [
  '[C 15:07:29.422 NotebookApp] ',
  '    ',
  '    To access the notebook, open this file in a browser:',
  '        file:///home/jovyan/.local/share/jupyter/runtime/nbserver-8-open.html',
  '    Or copy and paste one of these URLs:',
  `        http://221afda504a5:8888/course/?token=${TOKEN}`,
  `     or http://127.0.0.1:8888/course/?token=${TOKEN}`,
];

function shown(lines: string[], port: number | undefined, containerHost = '563574531c14', stream = 'stderr'): { out: string[]; log: HostUrlLog } {
  const out: string[] = [];
  const log = new HostUrlLog((line, s) => out.push(`${s}|${line}`));
  log.push(lines.map((l) => `${l}\n`).join(''), stream);
  if (port !== undefined) log.publishedOn(port, containerHost);
  return { out, log };
}

describe('HostUrlLog', () => {
  it("points jupyter_server 2's URLs at the published port, once each, without the container's file", () => {
    const { out } = shown(SERVER2, 49153);
    const text = out.join('');
    expect(text).not.to.match(/:8888\b/);
    expect(text).not.to.contain('file:').and.not.to.contain('open this file').and.not.to.contain('any hostname or IP');
    const urls = text.match(/https?:\/\/\S+/g);
    expect(urls).to.deep.equal([`http://127.0.0.1:49153/course/lab/tree/work?token=${TOKEN}`, `http://127.0.0.1:49153/course/lab/tree/work?token=${TOKEN}`]);
    expect(out[0]).to.equal('stderr|[I 2026-12-06 15:02:12.438 ServerApp] Jupyter Server 2.20.0 is running at:\n');
    // The banner's sentence starts without the hint it followed.
    expect(text).to.contain('    Copy and paste one of these URLs:').and.contain('Use Control-C');
    expect(text).not.to.contain('Or copy');
  });

  it("does the same for Notebook 6's, whose second URL starts with `or`", () => {
    const text = shown(NOTEBOOK6, 32775, '221afda504a5').out.join('');
    expect(text.match(/https?:\/\/\S+/g)).to.deep.equal([`http://127.0.0.1:32775/course/?token=${TOKEN}`]);
    expect(text).not.to.contain('file:');
  });

  it('holds the lines until the port is known, in order, on their streams', () => {
    const out: string[] = [];
    const log = new HostUrlLog((line, s) => out.push(`${s}|${line}`));
    log.push('run: password protection is on\n', 'stdout');
    log.push('[I ServerApp] http://c0ffee:88', 'stderr');
    log.push('88/lab\n', 'stderr');
    expect(out).to.deep.equal([]);
    log.publishedOn(40000, 'c0ffee');
    log.push('after\n', 'stdout');
    expect(out).to.deep.equal(['stdout|run: password protection is on\n', 'stderr|[I ServerApp] http://127.0.0.1:40000/lab\n', 'stdout|after\n']);
  });

  it('keeps https, and URLs on other ports or of other machines as they are', () => {
    const text = shown(
      [
        'https://abc:8888/lab?token=x',
        'see http://example.org:8080/x and http://h:88880/',
        'Looking in indexes: http://devpi:8888/simple',
        'http://[::]:8888/lab',
      ],
      5000,
      'abc',
    ).out.join('');
    expect(text).to.contain('https://127.0.0.1:5000/lab?token=x').and.contain('http://example.org:8080/x').and.contain('http://h:88880/');
    expect(text).to.contain('http://devpi:8888/simple').and.contain('http://127.0.0.1:5000/lab\n');
  });

  it('shows held lines unchanged when the run ends before a port is known, then the unterminated line on its stream, once; later lines at once', () => {
    const out: string[] = [];
    const log = new HostUrlLog((line, stream) => out.push(`${stream}|${line}`));
    log.push('[I] http://c0ffee:8888/lab\nTraceback: PermissionError', 'stderr');
    log.end();
    log.end();
    log.push(' (late)\nmore\n', 'stderr');
    expect(out).to.deep.equal(['stderr|[I] http://c0ffee:8888/lab\n', 'stderr|Traceback: PermissionError\n', 'stderr| (late)\n', 'stderr|more\n']);
  });

  it('shows a URL again when other lines came between', () => {
    const text = shown(['http://a:8888/x', 'something else', 'http://localhost:8888/x'], 1234, 'a').out.join('');
    expect(text.match(/http:\/\/\S+/g)).to.have.length(2);
  });
});
