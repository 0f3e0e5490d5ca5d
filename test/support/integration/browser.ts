/**
 * A real browser for the tests: Debian's Chromium, headless, driven by playwright-core (which never
 * downloads a browser: it is pointed at the system's). Each page collects what a person would not see
 * but a failure report needs: console errors, uncaught exceptions and failed requests. When a test
 * fails, `keepEvidence` writes a screenshot and those messages under test-results/browser/ and prints
 * where, so CI's log points at them.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './helpers.js';

/** Where a failed test's screenshot and console messages go. */
export const EVIDENCE_DIR = join(ROOT, 'test-results', 'browser');

/** The system's Chromium: TJS2I_CHROMIUM, else Debian's. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.TJS2I_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p));
}

/**
 * Flags for a headless browser in a test: no sandbox (the tests run as root), and nothing that
 * reaches out on its own (updates, sync, metrics, field trials) on a machine without the internet.
 */
const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-pings',
  '--disable-field-trial-config',
];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium found: apt-get install chromium (or set TJS2I_CHROMIUM)');
  return chromium.launch({ executablePath, headless: true, args: QUIET_FLAGS, timeout: 60_000 });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and failed requests, in order. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh page (its own cookies) that records its problems. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, problems, close: () => context.close() };
}

/** The requests of static files (scripts, styles) that failed: what makes a page blank. */
export function missingAssets(problems: string[]): string[] {
  return problems.filter((p) => /^HTTP \d+: .*\/static\//.test(p));
}

/** Saves a screenshot and the page's problems for a failed test; prints where they are. */
export async function keepEvidence(watched: WatchedPage | undefined, title: string): Promise<void> {
  if (!watched) return;
  await mkdir(EVIDENCE_DIR, { recursive: true });
  const base = join(EVIDENCE_DIR, title.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 120));
  const lines = [`url: ${watched.page.url()}`, ...watched.problems];
  await watched.page.screenshot({ path: `${base}.png`, fullPage: true }).catch((error: unknown) => lines.push(`no screenshot: ${String(error)}`));
  await writeFile(`${base}.txt`, `${lines.join('\n')}\n`);
  console.error(`    browser evidence: ${base}.png, ${base}.txt`);
}
