import { expect } from 'chai';
import { apiUrl, apiUrls, basePath, baseUrlOf, browserUrl, findServerUrls, ServerUrlScanner } from '../../../src/serve/jupyter-url.js';

const TOKEN = '3ee72f13146362ee9833f6040cc928cad79b28c2ac262a18';

/** What notebook 6 prints without a password. */
const NOTEBOOK6 = `[I 05:28:09.824 NotebookApp] Serving notebooks from local directory: /home/jovyan
[I 05:28:09.824 NotebookApp] Jupyter Notebook 6.4.12 is running at:
[I 05:28:09.824 NotebookApp] http://08239b4ed056:8888/?token=${TOKEN}
[I 05:28:09.824 NotebookApp]  or http://127.0.0.1:8888/?token=${TOKEN}
[C 05:28:09.829 NotebookApp]
    To access the notebook, open this file in a browser:
        file:///home/jovyan/.local/share/jupyter/runtime/nbserver-7-open.html
`;

/** What jupyter_server 2 (JupyterLab) prints. */
const SERVER2 = `[I 2024-05-01 10:00:00.000 ServerApp] Jupyter Server 2.14.0 is running at:
[I 2024-05-01 10:00:00.000 ServerApp] http://f00d:8888/lab?token=${TOKEN}
[I 2024-05-01 10:00:00.000 ServerApp]     http://127.0.0.1:8888/lab?token=${TOKEN}
`;

describe('jupyter-url', () => {
  it('finds the URLs notebook 6 prints, with their token', () => {
    expect(findServerUrls(NOTEBOOK6)).to.deep.equal([
      { path: '/', token: TOKEN },
      { path: '/', token: TOKEN },
    ]);
  });

  it('finds the path and token jupyter_server 2 prints', () => {
    expect(findServerUrls(SERVER2)[0]).to.deep.equal({ path: '/lab', token: TOKEN });
  });

  it('ignores URLs of other ports, a masked token, and a file:// URL', () => {
    expect(findServerUrls('see https://jupyter.org:443/x and file:///home/jovyan/x.html')).to.deep.equal([]);
    expect(findServerUrls('http://host:8888/?token=...')).to.deep.equal([{ path: '/' }]);
  });

  it('the scanner takes the first URL with a token, across chunks split mid-line', () => {
    const scanner = new ServerUrlScanner();
    const text = `[I NotebookApp] http://host:8888/prefix/\n${NOTEBOOK6.replaceAll('8888/', '8888/prefix/')}`;
    expect(scanner.url).to.equal(undefined);
    for (let i = 0; i < text.length; i += 7) scanner.push(Buffer.from(text.slice(i, i + 7)));
    expect(scanner.url).to.deep.equal({ path: '/prefix/', token: TOKEN });
  });

  it("the scanner reads each stream's lines apart: stdout amid a stderr line does not break the URL", () => {
    const scanner = new ServerUrlScanner();
    scanner.push(`[I NotebookApp] http://abc:8888/?token=${TOKEN.slice(0, 10)}`, 'stderr');
    scanner.push('a kernel said something\n', 'stdout');
    scanner.push(`${TOKEN.slice(10)}\n`, 'stderr');
    expect(scanner.url).to.deep.equal({ path: '/', token: TOKEN });
  });

  it('the scanner keeps a URL without token when there is none (password mode)', () => {
    const scanner = new ServerUrlScanner();
    scanner.push('[I NotebookApp] Jupyter Notebook 6.4.12 is running at:\n[I NotebookApp] http://abc:8888/\n');
    expect(scanner.url).to.deep.equal({ path: '/' });
  });

  it('a line is only read once it is complete', () => {
    const scanner = new ServerUrlScanner();
    scanner.push(`http://abc:8888/?token=${TOKEN.slice(0, 10)}`);
    expect(scanner.url).to.equal(undefined);
    scanner.push(`${TOKEN.slice(10)}\n`);
    expect(scanner.url?.token).to.equal(TOKEN);
  });

  it('builds the URL to open and the readiness URL on the published port', () => {
    expect(browserUrl(32789, { path: '/', token: TOKEN })).to.equal(`http://127.0.0.1:32789/?token=${TOKEN}`);
    expect(browserUrl(32789, { path: '/lab', token: TOKEN })).to.equal(`http://127.0.0.1:32789/lab?token=${TOKEN}`);
    expect(browserUrl(32789, undefined)).to.equal('http://127.0.0.1:32789/');
    expect(apiUrl(32789, undefined)).to.equal('http://127.0.0.1:32789/api');
    expect(apiUrl(32789, { path: '/lab' })).to.equal('http://127.0.0.1:32789/api');
    expect(apiUrl(32789, { path: '/course/x/lab' })).to.equal('http://127.0.0.1:32789/course/x/api');
    expect(basePath({ path: '/prefix/' })).to.equal('/prefix/');
  });

  it('probes the base run gives Jupyter first (jupyter_server 2 prints its default URL after the base)', () => {
    expect(baseUrlOf([])).to.equal('/');
    expect(baseUrlOf([{ name: 'JUPYTER_BASE_URL', value: 'course' }])).to.equal('/course/');
    expect(baseUrlOf([{ name: 'JUPYTERHUB_SERVICE_PREFIX', value: '/user/ada/' }])).to.equal('/user/ada/');
    expect(apiUrls(5, [], { path: '/lab/tree/work' })).to.deep.equal(['http://127.0.0.1:5/api', 'http://127.0.0.1:5/lab/tree/api']);
    expect(apiUrls(5, [{ name: 'JUPYTER_BASE_URL', value: '/c/' }], { path: '/c/tree' })).to.deep.equal(['http://127.0.0.1:5/c/api']);
  });
});
