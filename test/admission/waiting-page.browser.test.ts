import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { WaitingStatus } from '../../lib/constructs/admission-control/contract';
import { waitingPageHtml } from '../../lib/constructs/admission-control/edge/waiting-page/waiting-page';
import { artifactPath, axeViolations, blocking, launchBrowser } from '../helpers/browser';

const FOLDER = path.join(__dirname, '../../lib/constructs/admission-control/edge/waiting-page');
// The distribution's default policy (ResilientDistribution): the page must work under it.
const CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/** What the stub admission origin answers; tests change it between steps. */
const origin = {
  status: {
    v: 1,
    eventId: 'opening',
    state: 'open',
    nowServing: 10_000,
    admittedPerMinute: 1_000,
    updatedAt: 0,
    opensAt: Date.UTC(2027, 0, 14, 9) / 1000,
  } as WaitingStatus,
  position: 60_000 as number | null,
  statusFails: false,
  requests: [] as string[],
  enterBodies: [] as unknown[],
};

function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CSP,
    'cache-control': 'no-store',
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  origin.requests.push(`${req.method} ${url.pathname}`);
  const json = (status: number, body: unknown) =>
    answer(res, status, 'application/json', JSON.stringify(body));
  switch (url.pathname) {
    case '/waiting/index.html':
      return answer(res, 200, 'text/html; charset=utf-8', waitingPageHtml());
    case '/waiting/waiting.js':
      return answer(res, 200, 'text/javascript', readFileSync(path.join(FOLDER, 'waiting.js'), 'utf8'));
    case '/waiting/waiting.css':
      return answer(res, 200, 'text/css', readFileSync(path.join(FOLDER, 'waiting.css'), 'utf8'));
    case '/admission/position':
      // What the admission origin renders for a person without JavaScript.
      return answer(
        res,
        200,
        'text/html; charset=utf-8',
        waitingPageHtml({
          ticketId: 'tkt_nojs',
          position: 12_345,
          nowServing: 10_000,
          waitMinutes: 3,
          served: false,
          opensAt: origin.status.opensAt,
        }),
      );
    case '/admission/join': {
      const body = JSON.parse(await readBody(req)) as { secretHash?: string };
      if (!/^[A-Za-z0-9_-]{43}$/.test(body.secretHash ?? '')) return json(400, { reason: 'secretHash' });
      return json(202, { ticketId: 'tkt_js' });
    }
    case '/admission/ticket/tkt_js':
      return json(200, { ticketId: 'tkt_js', position: origin.position });
    case '/admission/status':
      return origin.statusFails ? json(503, { reason: 'down' }) : json(200, origin.status);
    case '/admission/enter': {
      origin.enterBodies.push(JSON.parse(await readBody(req)));
      const served = origin.position !== null && origin.position <= origin.status.nowServing;
      return served ? json(200, { next: '/reserver/42' }) : json(409, { reason: 'not-yet' });
    }
    case '/reserver/42':
      return answer(
        res,
        200,
        'text/html; charset=utf-8',
        '<!doctype html><html lang="fr"><title>Réserver</title><h1>Réserver</h1></html>',
      );
    default:
      return answer(res, 404, 'text/plain', 'not found');
  }
}

let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => answer(res, 500, 'text/plain', String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

beforeEach(() => {
  origin.requests = [];
  origin.enterBodies = [];
  origin.position = 60_000;
  origin.statusFails = false;
  origin.status = { ...origin.status, nowServing: 10_000, admittedPerMinute: 1_000, state: 'open' };
});

const count = (what: string) => origin.requests.filter((r) => r === what).length;

describe('waiting page without JavaScript', () => {
  it('renders the position and wait the origin filled in, refreshes itself, and passes axe', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/admission/position`);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('60');
    expect(await page.locator('section:not([lang]) [data-slot="position"]').textContent()).toBe(
      '12\u202f345',
    );
    expect(await page.locator('section[lang="en"] [data-slot="ahead"]').textContent()).toBe('2,345');
    expect(await page.locator('section[lang="en"] [data-slot="wait"]').textContent()).toBe('about 3 min');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Salle d’attente');
    await page.screenshot({ path: artifactPath('waiting-page-nojs.png'), fullPage: true });
    // axe runs as an injected script: score the same document with the CSP bypassed and waiting.js withheld.
    const scored = await browser.newContext({ bypassCSP: true });
    const scoredPage = await scored.newPage();
    await scoredPage.route('**/waiting/waiting.js', (route) => route.fulfill({ status: 200, body: '' }));
    await scoredPage.goto(`${base}/admission/position`);
    expect(blocking(await axeViolations(scoredPage))).toEqual([]);
    await scored.close();
    await context.close();
  });

  it('offers the join form on the static shell', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/waiting/index.html?next=%2Freserver%2F42`);
    await expect(page.locator('form[data-form="join"]').isVisible()).resolves.toBe(true);
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(1);
    expect(count('GET /admission/status')).toBe(0);
    await context.close();
  });
});

/** The page with its scheduler replaced: each step runs the pending poll and returns the delay it chose next. */
async function steppedPage(options: { bypassCSP?: boolean } = {}): Promise<{
  page: Page;
  step: () => Promise<number>;
  close: () => Promise<void>;
}> {
  // axe is injected as an inline script, which the page's own CSP refuses: bypass it only to score.
  const context = await browser.newContext({ bypassCSP: options.bypassCSP ?? false });
  const page = await context.newPage();
  const csp: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
  });
  await page.addInitScript(() => {
    const w = globalThis as unknown as {
      RempartWaitingScheduler: (fn: () => Promise<void>, ms: number) => void;
      __pending: { fn: () => Promise<void>; ms: number }[];
    };
    w.__pending = [];
    w.RempartWaitingScheduler = (fn, ms) => w.__pending.push({ fn, ms });
  });
  await page.goto(`${base}/waiting/index.html?next=%2Freserver%2F42`);
  // The first poll starts on load; it is complete once it has scheduled the next one.
  await page.waitForFunction(
    () => (globalThis as unknown as { __pending: unknown[] }).__pending.length === 1,
  );
  const step = async () => {
    return page.evaluate(async () => {
      const w = globalThis as unknown as { __pending: { fn: () => Promise<void>; ms: number }[] };
      const next = w.__pending.shift();
      if (!next) throw new Error('nothing scheduled');
      await next.fn();
      // The delay this poll chose for the next one.
      return w.__pending[0]?.ms ?? -1;
    });
  };
  return {
    page,
    step,
    close: async () => {
      expect(csp).toEqual([]);
      await context.close();
    },
  };
}

describe('waiting page with JavaScript', () => {
  it('joins once, reads its ticket once, then polls only the shared status, less often when far back', async () => {
    const { page, step, close } = await steppedPage();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) delays.push(await step());
    expect(count('POST /admission/join')).toBe(1);
    expect(count('GET /admission/ticket/tkt_js')).toBe(1);
    expect(count('GET /admission/status')).toBe(6);
    // 50,000 ahead at 1,000 a minute: every delay is near the two-minute ceiling.
    for (const ms of delays) expect(ms).toBeGreaterThanOrEqual(90_000);
    expect(await page.locator('section:not([lang]) [data-slot="ahead"]').textContent()).toBe('50\u202f000');
    await expect(page.locator('form[data-form="join"]').isHidden()).resolves.toBe(true);
    expect(await page.locator('#announce').textContent()).toContain('Estimated wait: about 50 min.');
    await close();
  });

  it('polls faster as the cursor approaches, then redeems the ticket and goes where the person was going', async () => {
    const { page, step, close } = await steppedPage({ bypassCSP: true });
    origin.status = { ...origin.status, nowServing: 59_900 };
    const near = await step(); // this poll sees 100 ahead
    expect(near).toBeLessThanOrEqual(2_500);
    expect(await page.locator('section[lang="en"] [data-slot="wait"]').textContent()).toBe('about 1 min');
    expect(blocking(await axeViolations(page))).toEqual([]);
    await page.screenshot({ path: artifactPath('waiting-page.png'), fullPage: true });
    origin.status = { ...origin.status, nowServing: 60_000 };
    // The poll navigates away mid-evaluation, which ends that evaluation: only the navigation counts.
    await Promise.all([page.waitForURL(`${base}/reserver/42`), step().catch(() => -1)]);
    expect(origin.enterBodies).toEqual([
      {
        ticketId: 'tkt_js',
        secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
        next: '/reserver/42',
      },
    ]);
    await close();
  });

  it('backs off exponentially while the status endpoint fails', async () => {
    const { step, close } = await steppedPage();
    origin.statusFails = true;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) delays.push(await step());
    // Failure n waits between half and all of 2 s × 2^(n-1).
    delays.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(1000 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(2000 * 2 ** i);
    });
    await close();
  });
});
