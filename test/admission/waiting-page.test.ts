import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import {
  ADMISSION_ENTER_PATH,
  ADMISSION_JOIN_PATH,
  ADMISSION_STATUS_PATH,
  ADMISSION_TICKET_PATH_PREFIX,
  NOSCRIPT_REFRESH_SECONDS,
  WAITING_PAGE_PATH,
} from '../../lib/constructs/admission-control/contract';
import {
  waitingPageHtml,
  waitingPageObjects,
  type WaitingPageView,
} from '../../lib/constructs/admission-control/edge/waiting-page/waiting-page';

const SCRIPT = readFileSync(
  path.join(__dirname, '../../lib/constructs/admission-control/edge/waiting-page/waiting.js'),
  'utf8',
);

interface WaitingApi {
  nextPollDelayMs(
    input: { ahead: number | null; admittedPerMinute: number; secondsToOpening: number },
    random: number,
  ): number;
  errorDelayMs(failures: number, random: number): number;
  safeNext(next: unknown): string;
}

// Without a document the script only publishes its pure functions.
const sandbox: { RempartWaiting?: WaitingApi } = {};
vm.runInNewContext(SCRIPT, sandbox);
const api = sandbox.RempartWaiting as WaitingApi;

const view: WaitingPageView = {
  ticketId: 'tkt_42',
  position: 12_345,
  nowServing: 10_000,
  waitMinutes: 12,
  served: false,
  opensAt: Date.UTC(2027, 0, 14, 9) / 1000,
};

describe('waiting page polling (pure)', () => {
  const delay = (ahead: number | null, random = 0.5, perMinute = 1000, secondsToOpening = 0) =>
    api.nextPollDelayMs({ ahead, admittedPerMinute: perMinute, secondsToOpening }, random);

  it('polls less often the further back a person is', () => {
    const delays = [0, 100, 2_000, 10_000, 100_000].map((ahead) => delay(ahead));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays[0]).toBe(2000);
    expect(delays[4]).toBe(120_000);
  });

  it('jitters by ±25 %, so that a crowd does not poll in step', () => {
    expect(delay(2_000, 0)).toBe(22_500);
    expect(delay(2_000, 0.999_999)).toBe(37_500);
    expect(delay(2_000, 0.5)).toBe(30_000);
  });

  it('before the opening, polls at a quarter of the time left, within 2 s and 2 min', () => {
    expect(delay(null, 0.5, 0, 3600)).toBe(120_000);
    expect(delay(null, 0.5, 0, 40)).toBe(10_000);
    expect(delay(null, 0.5, 0, -5)).toBe(2000);
  });

  it('with no known pace, waits the longest', () => {
    expect(delay(50, 0.5, 0)).toBe(120_000);
  });

  it('backs off exponentially on errors, capped at 2 min', () => {
    expect([1, 2, 3, 4, 10].map((n) => api.errorDelayMs(n, 0.999_999))).toEqual([
      2000, 4000, 8000, 16_000, 120_000,
    ]);
    expect(api.errorDelayMs(3, 0)).toBe(4000);
  });

  it('follows only same-site paths after admission', () => {
    expect(api.safeNext('/reserver/1?x=2')).toBe('/reserver/1?x=2');
    for (const bad of ['//evil.example', '/\\evil', 'https://evil.example', null, 42]) {
      expect(api.safeNext(bad)).toBe('/');
    }
  });

  it('agrees with the contract on every endpoint path', () => {
    for (const p of [
      ADMISSION_JOIN_PATH,
      ADMISSION_STATUS_PATH,
      ADMISSION_TICKET_PATH_PREFIX,
      ADMISSION_ENTER_PATH,
    ]) {
      expect(SCRIPT).toContain(`'${p}'`);
    }
  });
});

describe('waiting page markup', () => {
  const shell = waitingPageHtml();
  const rendered = waitingPageHtml(view);

  it('is French first with an English section marked as such', () => {
    expect(shell).toMatch(/<html lang="fr">/);
    expect(shell).toMatch(/<section class="language" lang="en"/);
  });

  it('refreshes itself without JavaScript only', () => {
    expect(shell).toContain(
      `<noscript><meta http-equiv="refresh" content="${NOSCRIPT_REFRESH_SECONDS}"></noscript>`,
    );
  });

  it('has no inline script or style, so the site CSP holds', () => {
    for (const page of [shell, rendered]) {
      expect(page).not.toMatch(/<script(?![^>]*\ssrc=)/);
      expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
    }
  });

  it('renders the position, people ahead and wait in both languages for the no-JavaScript view', () => {
    expect(rendered).toContain('<dd data-slot="position">12\u202f345</dd>');
    expect(rendered).toContain('<dd data-slot="position">12,345</dd>');
    expect(rendered).toContain('<dd data-slot="ahead">2\u202f345</dd>');
    expect(rendered).toContain('<dd data-slot="wait">environ 12 min</dd>');
    expect(rendered).toContain('<dd data-slot="wait">about 12 min</dd>');
    expect(rendered).toMatch(/<form method="post" action="\/admission\/join" data-form="join" hidden>/);
    expect(rendered).toMatch(/data-form="enter" hidden>/);
  });

  it('shows the enter button once served, and the draw time before the opening', () => {
    expect(waitingPageHtml({ ...view, served: true, position: 9000 })).toMatch(/data-form="enter">/);
    expect(waitingPageHtml({ ...view, position: null })).toContain('attribué à l’ouverture (10:00)');
  });

  it('escapes what comes from the ticket', () => {
    expect(waitingPageHtml({ ...view, ticketId: '"><script>' })).toContain(
      'data-ticket="&#34;&#62;&#60;script&#62;"',
    );
  });

  it('publishes the page with its script and style under the waiting prefix', () => {
    const objects = waitingPageObjects();
    expect(objects.map((o) => o.key)).toEqual([
      WAITING_PAGE_PATH.slice(1),
      'waiting/waiting.js',
      'waiting/waiting.css',
    ]);
    expect(objects[1]?.body).toBe(SCRIPT);
  });
});
