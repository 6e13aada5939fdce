import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WORKSPACE_ROOT } from '@meterusage/testing';

/** Debian's Chromium (`apt-get install -y chromium`); playwright's own browser downloads are not used. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of the browser tests (gitignored). */
export const SCREENSHOT_DIR = path.join(WORKSPACE_ROOT, 'test-artifacts', 'dashboard');

const CHROMIUM_ARGS = [
  '--no-sandbox', // tests run as root in CI
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts headless Chromium, or fails saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`);
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

// Runs in every page before its own scripts (a string: this file is typed for Node, not the DOM).
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (event) =>
  console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline code')));`;

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  /** Fixed, so times on the page do not depend on the machine's zone. */
  timezoneId?: string;
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and Content-Security-Policy violations; a test expects none. */
  problems: string[];
}

/** A fresh context (own storage, viewport, zone, locale en-US) with one page that records problems. */
export async function newTestPage(browser: Browser, options: PageOptions = {}): Promise<TestPage> {
  const { width = 1280, height = 900, colorScheme = 'light', timezoneId = 'UTC' } = options;
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, timezoneId, locale: 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy|CSP violation/i.test(text)) problems.push(text);
  });
  await page.addInitScript(REPORT_CSP_VIOLATIONS);
  return { context, page, problems };
}

/** Saves a full-page screenshot as test-artifacts/dashboard/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * The Chromium of a test file and the pages its tests open: each test's pages (their contexts) are
 * closed after it (closePages in afterEach), the browser after the file (close in afterAll).
 */
export class BrowserPages {
  private browser: Browser | undefined;
  private readonly contexts: BrowserContext[] = [];

  async launch(): Promise<void> {
    this.browser = await launchChromium();
  }

  async newPage(options?: PageOptions): Promise<TestPage> {
    if (this.browser === undefined) throw new Error('BrowserPages.newPage before launch');
    const testPage = await newTestPage(this.browser, options);
    this.contexts.push(testPage.context);
    return testPage;
  }

  async closePages(): Promise<void> {
    await Promise.all(this.contexts.splice(0).map((context) => context.close()));
  }

  async close(): Promise<void> {
    await this.browser?.close();
  }
}
