/** Headless Debian Chromium driven by playwright-core (its own temporary profile), for the UI tests. Screenshots go to test-artifacts/. */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve('test-artifacts');

export class HeadlessBrowser {
  private browser?: Browser;

  async start(): Promise<this> {
    this.browser = await chromium.launch({
      executablePath: process.env.PLEXUS_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    return this;
  }

  /** A fresh page (own cookies) with a desktop-sized viewport. */
  async page(): Promise<Page> {
    if (!this.browser) throw new Error('browser not started');
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(15_000);
    return context.newPage();
  }

  async close(): Promise<void> {
    await this.browser?.close();
  }
}

/** Saves a full-page screenshot as test-artifacts/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
