import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../lib/config';
import { generateEvidencePack } from '../../tools/report/generate';
import { artifactPath, axeViolations, blocking, launchBrowser } from '../helpers/browser';
import { SMALL, tempDir } from './fixture';

const SECTIONS = [
  'cover',
  'summary',
  'architecture',
  'inventory',
  'residency',
  'controls',
  'findings',
  'resilience',
  'capacity',
  'changes',
  'limitations',
  'integrity',
];

describe('the evidence pack in a real browser', () => {
  const out = tempDir();
  const outside: string[] = [];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    generateEvidencePack({
      assemblyDir: SMALL,
      outDir: out.dir,
      config: loadConfig(),
      commit: 'fixture',
      log: () => undefined,
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Every request is seen; anything that is not the file itself is counted and refused.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    context.on('request', (request) => {
      if (!request.url().startsWith('file://')) outside.push(request.url());
    });
    page = await context.newPage();
    await page.goto(pathToFileURL(join(out.dir, 'index.html')).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    out.dispose();
  });

  test('no request leaves the file', () => {
    expect(outside).toEqual([]);
  });

  test('every section renders with its bilingual heading', async () => {
    for (const id of SECTIONS) {
      const heading = page.locator(`#${id} > h2`);
      await expect(heading.isVisible()).resolves.toBe(true);
      await expect(heading.locator('span[lang="fr"]').count()).resolves.toBe(1);
      await expect(heading.locator('span[lang="en"]').count()).resolves.toBe(1);
    }
    await expect(page.locator('#controls table').count()).resolves.toBeGreaterThan(5);
  });

  test('the architecture diagram is an inline SVG with the Regions and resources drawn', async () => {
    const svg = page.locator('figure.diagram svg');
    await expect(svg.count()).resolves.toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(400);
    await expect(svg.locator('g.node').count()).resolves.toBeGreaterThan(15);
    await expect(svg.locator('g.cluster text', { hasText: 'eu-west-3' }).count()).resolves.toBeGreaterThan(0);
    expect(await svg.getAttribute('role')).toBe('img');
  });

  test('axe-core finds no serious or critical violation', async () => {
    const violations = await axeViolations(page);
    expect(blocking(violations)).toEqual([]);
  });

  test('the print stylesheet hides the navigation, and a PDF prints', async () => {
    await page.emulateMedia({ media: 'print' });
    // The callback runs in the page; the test's TypeScript has no DOM types.
    const display = (n: unknown) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(n)
        .display;
    await expect(page.locator('nav').evaluate(display)).resolves.toBe('none');
    const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(50_000);
    writeFileSync(artifactPath('evidence-pack.pdf'), pdf);
    await page.emulateMedia({ media: 'screen' });
  });

  test('a screenshot is kept for people to look at', async () => {
    const png = await page.screenshot({ path: artifactPath('evidence-pack.png'), fullPage: false });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
