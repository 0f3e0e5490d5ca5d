import { expect } from 'chai';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../../src/common/errors.js';
import { parseScriptsUrl, requestFor, ScriptFinder } from '../../../src/s2i/scripts.js';
import { rejectionOf, tempDir } from '../../support/unit/helpers.js';

describe('scripts', () => {
  describe('parseScriptsUrl', () => {
    it('reads image://, file:// and http(s):// locations', () => {
      expect(parseScriptsUrl('image:///usr/libexec/s2i')).to.deep.equal({ kind: 'image', dir: '/usr/libexec/s2i' });
      expect(parseScriptsUrl(' image:///usr/libexec/s2i// ')).to.deep.equal({ kind: 'image', dir: '/usr/libexec/s2i' });
      expect(parseScriptsUrl('file:///opt/scripts')).to.deep.equal({ kind: 'file', dir: '/opt/scripts' });
      expect(parseScriptsUrl('https://example.com/s2i/')).to.deep.equal({ kind: 'http', base: 'https://example.com/s2i' });
    });

    for (const url of ['image://usr/libexec/s2i', 'image://', 'usr/libexec/s2i', '/usr/libexec/s2i', 'ftp://example.com/s2i', 'file://host/dir']) {
      it(`rejects ${url}`, () => {
        expect(() => parseScriptsUrl(url)).to.throw(UsageError);
      });
    }

    it('never shows credentials of a rejected URL', () => {
      expect(() => parseScriptsUrl('ftp://user:s3cret@example.com/s2i'))
        .to.throw(UsageError)
        .that.satisfies((e: Error) => !e.message.includes('s3cret'));
    });
  });

  describe('requestFor', () => {
    it('moves URL credentials into a Basic authorization header', () => {
      const { url, headers } = requestFor('https://me:p%40ss@example.com/s2i/run');
      expect(url).to.equal('https://example.com/s2i/run');
      expect(headers.authorization).to.equal(`Basic ${Buffer.from('me:p@ss').toString('base64')}`);
      expect(requestFor('https://example.com/x').headers).to.deep.equal({});
    });
  });

  describe('ScriptFinder', () => {
    let dir: string;
    let remove: () => Promise<void>;
    beforeEach(async () => ({ dir, remove } = await tempDir()));
    afterEach(() => remove());

    const addScript = async (base: string, name: string, body = '#!/bin/sh\necho custom\n') => {
      await mkdir(base, { recursive: true });
      await writeFile(join(base, name), body);
      await chmod(join(base, name), 0o755);
    };
    const sourceBin = () => join(dir, 'src', '.s2i', 'bin');

    it('prefers --scripts-url, then the source .s2i/bin, then the image label', async () => {
      const external = join(dir, 'external');
      await addScript(external, 'assemble');
      await addScript(sourceBin(), 'assemble');
      await addScript(sourceBin(), 'run');
      const finder = new ScriptFinder({
        scriptsUrl: pathToFileURL(external).href,
        sourceDir: join(dir, 'src'),
        imageScriptsUrl: 'image:///usr/libexec/s2i',
        destination: '/opt/app',
      });
      expect(await finder.require('assemble')).to.deep.equal({
        name: 'assemble',
        origin: 'scripts-url',
        hostPath: join(external, 'assemble'),
        imagePath: '/opt/app/scripts/assemble',
      });
      expect(await finder.require('run')).to.deep.equal({
        name: 'run',
        origin: 'source',
        hostPath: join(sourceBin(), 'run'),
        imagePath: '/opt/app/scripts/run',
      });
      expect(await finder.require('usage')).to.deep.equal({ name: 'usage', origin: 'image', imagePath: '/usr/libexec/s2i/usage' });
    });

    it('an image:// --scripts-url wins over the source (it cannot be checked without a container)', async () => {
      await addScript(sourceBin(), 'assemble');
      const finder = new ScriptFinder({ scriptsUrl: 'image:///opt/s2i', sourceDir: join(dir, 'src'), destination: '/tmp' });
      expect(await finder.require('assemble')).to.deep.equal({ name: 'assemble', origin: 'scripts-url', imagePath: '/opt/s2i/assemble' });
    });

    it('refuses a source script that is a symlink (it could point at any file of the build machine)', async () => {
      await mkdir(sourceBin(), { recursive: true });
      await symlink('/etc/passwd', join(sourceBin(), 'run'));
      const finder = new ScriptFinder({ sourceDir: join(dir, 'src'), imageScriptsUrl: 'image:///usr/libexec/s2i', destination: '/tmp' });
      const error = await rejectionOf(finder.require('run'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.equal('.s2i/bin/run in the source is not a regular file inside the source');
    });

    it('refuses scripts reached through a symlinked .s2i/bin (it could be any directory of the build machine)', async () => {
      const outside = join(dir, 'outside');
      await addScript(outside, 'assemble');
      await mkdir(join(dir, 'src', '.s2i'), { recursive: true });
      await symlink(outside, join(dir, 'src', '.s2i', 'bin'));
      const finder = new ScriptFinder({ sourceDir: join(dir, 'src'), imageScriptsUrl: 'image:///usr/libexec/s2i', destination: '/tmp' });
      const error = await rejectionOf(finder.require('assemble'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.match(/^\.s2i\/bin\/assemble in the source is not a regular file inside the source/);
    });

    it('follows only image:// locations from an image label; refuses URLs with a query or fragment', async () => {
      for (const label of ['file:///etc', 'http://169.254.169.254/latest/meta-data#']) {
        expect(() => new ScriptFinder({ imageScriptsUrl: label, destination: '/tmp' }), label).to.throw(
          UsageError,
          'tjs2i only follows image:// locations from a label',
        );
      }
      expect(() => parseScriptsUrl('http://host/s2i?x=1')).to.throw(UsageError, 'has a query or fragment');
      expect(() => parseScriptsUrl('http://host/s2i#frag')).to.throw(UsageError, 'has a query or fragment');
    });

    it('lists every place looked at when a required script is nowhere', async () => {
      const finder = new ScriptFinder({ scriptsUrl: pathToFileURL(join(dir, 'none')).href, sourceDir: dir, destination: '/tmp' });
      const error = await rejectionOf(finder.require('assemble'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.equal(
        `no assemble script found; looked in --scripts-url file://${join(dir, 'none')}, .s2i/bin/assemble in the source, the image label io.openshift.s2i.scripts-url (not set)`,
      );
      expect((error as UsageError).exitCode).to.equal(2);
    });

    it('find() returns undefined for an optional script that is nowhere', async () => {
      const finder = new ScriptFinder({ sourceDir: dir, destination: '/tmp' });
      expect(await finder.find('save-artifacts')).to.equal(undefined);
    });

    describe('over http', () => {
      let server: Server;
      let base: string;
      const requests: { url: string; authorization?: string }[] = [];
      before(async () => {
        server = createServer((req, res) => {
          requests.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
          if (req.url === '/s2i/assemble') res.end('#!/bin/sh\necho from-http\n');
          else if (req.url === '/broken/assemble') {
            res.statusCode = 500;
            res.end('oops');
          } else {
            res.statusCode = 404;
            res.end();
          }
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      after(() => new Promise<void>((resolve) => server.close(() => resolve())));
      beforeEach(() => void requests.splice(0));

      it('downloads a script, and falls through to the next place on 404', async () => {
        await addScript(sourceBin(), 'run');
        const finder = new ScriptFinder({ scriptsUrl: `${base}/s2i`, sourceDir: join(dir, 'src'), destination: '/tmp' });
        try {
          const assemble = await finder.require('assemble');
          expect(assemble.origin).to.equal('scripts-url');
          expect(assemble.imagePath).to.equal('/tmp/scripts/assemble');
          expect(await readFile(assemble.hostPath as string, 'utf8')).to.equal('#!/bin/sh\necho from-http\n');
          expect((await finder.require('run')).origin).to.equal('source');
        } finally {
          await finder.cleanup();
        }
        expect(requests.map((r) => r.url)).to.deep.equal(['/s2i/assemble', '/s2i/run']);
      });

      it('sends URL credentials as a header and never shows them in errors', async () => {
        const withCredentials = base.replace('http://', 'http://me:t0ken-s3cret@');
        const finder = new ScriptFinder({ scriptsUrl: `${withCredentials}/broken`, destination: '/tmp' });
        const error = await rejectionOf(finder.require('assemble'));
        expect(error).to.be.instanceOf(UsageError);
        expect((error as Error).message).to.equal(`cannot fetch ${base}/broken/assemble: HTTP 500`);
        expect(requests[0]?.authorization).to.equal(`Basic ${Buffer.from('me:t0ken-s3cret').toString('base64')}`);
      });

      it('says which URL could not be reached', async () => {
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        const finder = new ScriptFinder({ scriptsUrl: `http://127.0.0.1:${port}/s2i`, destination: '/tmp' });
        const error = await rejectionOf(finder.require('assemble'));
        expect(error).to.be.instanceOf(UsageError);
        expect((error as Error).message).to.equal(`cannot fetch http://127.0.0.1:${port}/s2i/assemble: ECONNREFUSED`);
      });
    });
  });
});
