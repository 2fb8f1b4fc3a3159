import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../../test/helpers/browser';

/**
 * The README's picture of the pack: one screenful of a section of a generated index.html, in the same
 * headless Chromium the browser tests use. Run after `npm run report`:
 *   npx tsx tools/report/screenshot.ts [cdk.out/evidence/index.html] [docs/images/evidence-pack.png]
 */
async function main(
  page = 'cdk.out/evidence/index.html',
  out = 'docs/images/evidence-pack.png',
  section = '#architecture',
): Promise<void> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      deviceScaleFactor: 1,
    });
    // The pack is self-contained: refuse anything that is not the file itself.
    await context.route('**/*', (route) =>
      route.request().url().startsWith('file://') ? route.continue() : route.abort(),
    );
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(resolve(page)).href);
    // One screenful from the section's heading: what a reader sees when they follow the contents link.
    // Runs in the page; this file has no DOM types.
    await tab
      .locator(section)
      .evaluate((el: unknown) =>
        (el as { scrollIntoView(o: { block: string }): void }).scrollIntoView({ block: 'start' }),
      );
    await tab.screenshot({ path: resolve(out) });
    console.log(`[report] screenshot of ${section} written to ${out}`);
  } finally {
    await browser.close();
  }
}

main(...process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
