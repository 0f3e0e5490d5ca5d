/**
 * The course as a person sees it: Debian's Chromium (headless, through playwright-core) opens what
 * `tjs2i run` and `tjs2i preview` print, logs in, runs a notebook's cell, saves and reloads, on both
 * families of stand-ins (JupyterLab 4 on today's, Notebook 6 on 2016's). A failed test leaves a
 * screenshot and the page's console errors under test-results/browser/.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { keepEvidence, launchBrowser, missingAssets, openPage, type WatchedPage } from '../support/integration/browser.js';
import { FAMILIES, FAMILY_TODAY, familyBuilder, forEachFamily, type Family } from '../support/integration/families.js';
import { DEBIAN, docker, exec, randomUid, ROOT, tempDir, TEST_LABEL, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { removeServedContainers, serve, serveCommand, type Serving } from '../support/integration/serving.js';
import { LAB, NOTEBOOK6, runFirstCell, UID_NOTEBOOK } from '../support/integration/notebook-ui.js';

const WORK = '/home/jovyan/work';

const OPEN_TOKEN_LINE = /^open (http:\/\/127\.0\.0\.1:\d+)(\/\S*)?\?token=[0-9a-f]+$/;
const OPEN_PASSWORD_LINE = /^open (http:\/\/127\.0\.0\.1:\d+)(\/\S*)? \(password required\)$/;

describe('a real browser on the course (Chromium, real Jupyter)', function () {
  this.timeout(600_000);
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  forEachFamily((family) => inBrowserOn(family, () => browser));

  // examples/preview.sh makes its builder from today's stand-in.
  (FAMILIES.includes(FAMILY_TODAY) ? it : it.skip)(
    "the README's first command (bash examples/preview.sh), followed in the browser, shows the example course",
    async () => {
      const builder = `${uniqueName('example-builder')}:latest`;
      const image = `${uniqueName('example-course')}:latest`;
      const run = await serveCommand('bash', [join(ROOT, 'examples', 'preview.sh')], { BUILDER: builder, IMAGE: image });
      let watched: WatchedPage | undefined;
      try {
        const line = await run.firstLine(/^open /);
        expect(line).to.match(OPEN_TOKEN_LINE);
        watched = await openPage(browser);
        await watched.page.goto(line.slice('open '.length));
        await watched.page.locator(LAB.listItem, { hasText: '01-introduction.ipynb' }).first().waitFor();
        const names = (await watched.page.locator(LAB.listItem).allInnerTexts()).join('\n');
        expect(names).to.contain('02-reading-data.ipynb').and.contain('lessons');
        expect(missingAssets(watched.problems), watched.problems.join('\n')).to.deep.equal([]);
        expect(await run.interrupt()).to.equal(0);
      } catch (error) {
        await keepEvidence(watched, 'readme-first-command');
        throw error;
      } finally {
        await watched?.close();
        await removeServedContainers();
        await exec('docker', ['rmi', '-f', image, builder]);
      }
    },
  );
});

function inBrowserOn(family: Family, theBrowser: () => Browser): void {
  const ui = family.defaultInterface === 'lab' ? LAB : NOTEBOOK6;
  const image = `${uniqueName(`browser-${family.name}`)}:latest`;
  const volumes: string[] = [];
  let course: { path: string; remove: () => Promise<void> };
  let builder: string;
  let watched: WatchedPage | undefined;

  before(async () => {
    builder = await familyBuilder(family);
    course = await tempDir('browser');
    await mkdir(join(course.path, 'notebooks'));
    await writeFile(join(course.path, 'notebooks', 'uid.ipynb'), UID_NOTEBOOK);
    await writeFile(join(course.path, 'syllabus.md'), '# Week 1\n');
    const built = await tjs2i(['build', course.path, builder, image]);
    expect(built.code, built.stderr).to.equal(0);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await keepEvidence(watched, `${family.name}-${this.currentTest.title}`);
    await watched?.close();
    watched = undefined;
    await removeServedContainers();
  });

  after(async () => {
    await exec('docker', ['rmi', '-f', image]);
    for (const volume of volumes) await exec('docker', ['volume', 'rm', '-f', volume]);
    await course?.remove();
  });

  /** The names the page lists, once the list shows `expected`. */
  async function listedNames(expected: string): Promise<string[]> {
    const page = (watched as WatchedPage).page;
    await page.locator(ui.listItem, { hasText: expected }).first().waitFor();
    return (await page.locator(ui.listItem).allInnerTexts()).map((text) => text.trim());
  }

  /** The first line of output that is a URL: what a user following `tjs2i run` opens first. */
  function firstUrlPrinted(run: Serving): string {
    const url = /\bhttps?:\/\/\S+/.exec(run.stderr())?.[0];
    expect(url, run.stderr()).to.be.a('string');
    return url as string;
  }

  it('the first URL tjs2i run prints opens the course: its files are listed, and no script or style is missing', async () => {
    const run = await serve(['run', image, '--user', `${randomUid()}:0`]);
    const line = await run.firstLine();
    expect(line).to.match(OPEN_TOKEN_LINE);
    watched = await openPage(theBrowser());
    await watched.page.goto(firstUrlPrinted(run));
    const names = await listedNames('notebooks');
    expect(names.join('\n')).to.contain('notebooks').and.contain('syllabus.md');
    // The interface upstream opens for this family: JupyterLab on today's, the Notebook's tree on 2016's.
    await watched.page.waitForURL((url) => url.pathname === family.landing, { timeout: 15_000 });
    expect(missingAssets(watched.problems), watched.problems.join('\n')).to.deep.equal([]);
    // The line on stdout leads to the same place.
    await watched.page.goto(line.slice('open '.length));
    await listedNames('syllabus.md');
    expect(await run.interrupt()).to.equal(0);
  });

  it('password mode: the login page refuses a wrong password and takes the right one; a cell shows the random UID, is saved and survives a reload', async () => {
    const uid = randomUid();
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const run = await serve(['run', image, '-e', 'PASSWORD', '--user', `${uid}:0`], { PASSWORD: password });
    const line = await run.firstLine();
    const [, origin] = OPEN_PASSWORD_LINE.exec(line) ?? [];
    expect(origin, line).to.be.a('string');
    watched = await openPage(theBrowser());
    const { page } = watched;

    await page.goto(line.slice('open '.length).replace(/ \(password required\)$/, ''));
    await page.locator('input[type=password]').waitFor();
    expect(page.url()).to.contain('/login');
    await page.locator('input[type=password]').fill('not-the-password');
    await page.locator('input[type=password]').press('Enter');
    await page
      .getByText(/invalid credentials/i)
      .first()
      .waitFor();
    expect(page.url()).to.contain('/login');

    await page.locator('input[type=password]').fill(password);
    await page.locator('input[type=password]').press('Enter');
    await listedNames('notebooks');
    await page.waitForURL((url) => url.pathname === family.landing, { timeout: 15_000 });

    await page.goto(`${origin}${ui.notebookPath('notebooks/uid.ipynb')}`);
    await runFirstCell(page, ui, String(uid));
    await page.keyboard.press('Control+s');
    await savedWithOutput(run, 'notebooks/uid.ipynb', String(uid));
    await page.reload();
    await page
      .locator(ui.output, { hasText: String(uid) })
      .first()
      .waitFor();
    expect(missingAssets(watched.problems), watched.problems.join('\n')).to.deep.equal([]);
    expect(run.stdout() + run.stderr()).not.to.contain(password);
    expect(await run.interrupt()).to.equal(0);
  });

  it('preview with an empty volume on work/: the course files run seeds into it show in the browser', async () => {
    const volume = uniqueName('browser-work');
    volumes.push(volume);
    await docker('volume', 'create', '--label', TEST_LABEL, volume);
    // As a platform provisions a PVC for any UID: group 0, group-writable, set-group-ID; empty.
    await docker('run', '--rm', '--label', TEST_LABEL, '-v', `${volume}:/v`, DEBIAN, 'sh', '-c', 'chgrp 0 /v && chmod 2775 /v');
    const run = await serve(['preview', course.path, builder, '--user', `${randomUid()}:0`, '--volume', `${volume}:${WORK}:nocopy`]);
    const line = await run.firstLine();
    expect(line).to.match(OPEN_TOKEN_LINE);
    expect(run.stderr()).to.contain(`run: seeded ${WORK} from the image`);
    watched = await openPage(theBrowser());
    await watched.page.goto(line.slice('open '.length));
    const names = await listedNames('syllabus.md');
    expect(names.join('\n')).to.contain('notebooks');
    expect(await run.interrupt()).to.equal(0);
    const onVolume = await docker('run', '--rm', '--label', TEST_LABEL, '-v', `${volume}:/v`, DEBIAN, 'ls', '-A', '/v');
    expect(onVolume.split('\n').sort()).to.deep.equal(['.tjs2i-seeded', 'notebooks', 'syllabus.md']);
  });
}

/** Waits until the notebook on disk holds the output (the save reached the server). */
async function savedWithOutput(run: Serving, path: string, expected: string): Promise<void> {
  const container = run.created.find((name) => name.startsWith('tjs2i-run-'));
  expect(container, run.created.join(', ')).to.be.a('string');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const saved = await exec('docker', ['exec', container as string, 'cat', `${WORK}/${path}`]);
    if (saved.code === 0 && saved.stdout.includes(`"${expected}"`)) return;
    if (Date.now() > deadline) throw new Error(`the notebook was not saved with its output:\n${saved.stdout}${saved.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
