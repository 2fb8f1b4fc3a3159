import {
  ADMISSION_COOKIE_NAME,
  CLOUDFRONT_FUNCTION_MAX_CODE_BYTES,
  KVS_CURRENT_KID,
  KVS_EVENT_ID,
  KVS_FAIL_OPEN,
  kvsPathMode,
  kvsSigningKey,
  signAdmissionCookie,
  type AdmissionClaims,
} from '../../lib/constructs/admission-control/contract';
import { renderAdmissionGateCode } from '../../lib/constructs/admission-control/edge/admission-gate-code';
import {
  KeyValueStoreStandIn,
  cloudFrontJs2Problems,
  loadCloudFrontFunction,
  viewerRequestEvent,
  type ViewerRequest,
} from '../helpers/cloudfront-runtime';

const NOW = Date.UTC(2027, 0, 14, 10, 0, 0);
const NOW_S = NOW / 1000;
const KEY_A = 'A'.repeat(32) + 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6';
const KEY_B = 'Bz'.repeat(32);
const EVENT = 'opening-2027-01';

const code = renderAdmissionGateCode({
  retryAfterSeconds: 10,
  paths: [
    { pathPattern: '/api/bookings*', pathClass: 'booking-write', onFailure: 'open' },
    { pathPattern: '/reserver/*', pathClass: 'booking-page', onFailure: 'closed' },
    { pathPattern: '/*', pathClass: 'everything', onFailure: 'closed' },
  ],
});

function store(overrides: Record<string, string> = {}): KeyValueStoreStandIn {
  return new KeyValueStoreStandIn({
    [kvsSigningKey('a')]: KEY_A,
    [kvsSigningKey('b')]: KEY_B,
    [KVS_CURRENT_KID]: 'a',
    [KVS_EVENT_ID]: EVENT,
    [KVS_FAIL_OPEN]: 'off',
    [kvsPathMode('booking-write')]: 'gate',
    [kvsPathMode('booking-page')]: 'gate',
    [kvsPathMode('everything')]: 'gate',
    ...overrides,
  });
}

function cookie(overrides: Partial<AdmissionClaims> = {}, key = KEY_A): string {
  return signAdmissionCookie(
    {
      kid: 'a',
      eventId: EVENT,
      expiresEpochSeconds: NOW_S + 600,
      admissionId: 'tkt_0123456789abcdef',
      ...overrides,
    },
    key,
  );
}

interface Answer {
  statusCode?: number;
  uri?: string;
  headers?: Record<string, { value: string }>;
  body?: { data: string };
}

async function run(request: ViewerRequest, kvs = store()): Promise<Answer> {
  const fn = loadCloudFrontFunction(code, { kvs, nowMs: () => NOW });
  return (await fn.handler(viewerRequestEvent(request))) as Answer;
}

const withCookie = (value: string, uri = '/reserver/centre-42'): ViewerRequest => ({
  uri,
  cookies: { [ADMISSION_COOKIE_NAME]: value },
});
const passed = (a: Answer) => a.statusCode === undefined && typeof a.uri === 'string';
const sentToWaitingPage = (a: Answer) =>
  a.statusCode === 302 && a.headers?.location?.value.startsWith('/waiting/index.html?next=') === true;

describe('admission gate source against the cloudfront-js-2.0 runtime', () => {
  it('uses only what the runtime supports, after its configuration is written in', () => {
    expect(cloudFrontJs2Problems(code)).toEqual([]);
  });

  it(`fits CloudFront's ${CLOUDFRONT_FUNCTION_MAX_CODE_BYTES}-byte code limit`, () => {
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(CLOUDFRONT_FUNCTION_MAX_CODE_BYTES);
  });

  // The checker is only worth something if it refuses what the runtime refuses.
  it.each([
    ['destructuring', 'const { a } = x;'],
    ['spread', 'f(...xs);'],
    ['default parameter', 'function f(a = 1) { return a; }'],
    ['optional chaining', 'x?.y;'],
    ['nullish coalescing', 'x ?? y;'],
    ['for-of', 'for (const a of xs) {}'],
    ['class', 'class A {}'],
    ['async closure', 'const f = async () => 1;'],
    ['shorthand property', 'const o = { a };'],
    ['eval', 'eval("1");'],
    ['Function constructor', 'new Function("return 1");'],
    ['timer', 'setTimeout(f, 1);'],
    ['process', 'process.env.X;'],
    ['require of another module', "require('fs');"],
    ['import of another module', "import fs from 'fs';"],
    ['Array.from', 'Array.from(xs);'],
    ['String.prototype.at', "'ab'.at(0);"],
    ['console.log with two arguments', "console.log('a', 'b');"],
  ])('refuses %s', (_name, snippet) => {
    expect(
      cloudFrontJs2Problems(`${snippet}\nfunction handler(event) { return event.request; }`),
    ).not.toEqual([]);
  });

  it('refuses a source without a top-level handler', () => {
    expect(cloudFrontJs2Problems('function main(event) { return event.request; }')).toEqual([
      expect.stringContaining('handler'),
    ]);
  });

  it('runs without eval or timers: the sandbox throws where the runtime would', async () => {
    const fn = loadCloudFrontFunction(
      "function handler(event) { try { (0, globalThis['ev' + 'al'])('1'); return 'eval ran'; } catch (e) { return typeof globalThis['set' + 'Timeout']; } }",
    );
    await expect(fn.handler(viewerRequestEvent({ uri: '/' }))).resolves.toBe('undefined');
  });
});

describe('admission gate decisions', () => {
  it('lets a valid cookie through to the origin', async () => {
    expect(passed(await run(withCookie(cookie())))).toBe(true);
  });

  it('sends a viewer without a cookie to the waiting page, keeping where they were going', async () => {
    const answer = await run({ uri: '/reserver/centre-42', querystring: { slot: ['9h', '10h'] } });
    expect(answer.statusCode).toBe(302);
    expect(answer.headers?.location?.value).toBe(
      `/waiting/index.html?next=${encodeURIComponent('/reserver/centre-42?slot=9h&slot=10h')}`,
    );
    expect(answer.headers?.['cache-control']?.value).toBe('no-store');
  });

  it('answers a refused write with 429, Retry-After and a JSON reason', async () => {
    const answer = await run({ uri: '/api/bookings', method: 'POST' });
    expect(answer.statusCode).toBe(429);
    expect(answer.headers?.['retry-after']?.value).toBe('10');
    expect(JSON.parse(answer.body?.data ?? '')).toEqual({
      error: 'admission-required',
      waitingPage: '/waiting/index.html',
    });
  });

  it('refuses an expired cookie', async () => {
    expect(sentToWaitingPage(await run(withCookie(cookie({ expiresEpochSeconds: NOW_S - 1 }))))).toBe(true);
    expect(sentToWaitingPage(await run(withCookie(cookie({ expiresEpochSeconds: NOW_S }))))).toBe(true);
  });

  it('refuses a cookie valid for longer than the contract allows, even if signed', async () => {
    expect(sentToWaitingPage(await run(withCookie(cookie({ expiresEpochSeconds: NOW_S + 5 * 3600 }))))).toBe(
      true,
    );
  });

  it('refuses tampered cookies: changed claim, changed signature, truncated signature', async () => {
    const good = cookie();
    const parts = good.split('.');
    const otherTicket = [...parts.slice(0, 4), 'tkt_somebodyElse0000', parts[5]].join('.');
    const sig = parts[5] ?? '';
    const flipped = [...parts.slice(0, 5), sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')].join('.');
    const truncated = [...parts.slice(0, 5), sig.slice(0, 20)].join('.');
    for (const value of [otherTicket, flipped, truncated, `${good}.x`, 'v1.a.x', '']) {
      expect(sentToWaitingPage(await run(withCookie(value)))).toBe(true);
    }
  });

  it('refuses a cookie signed with a key the store does not hold', async () => {
    expect(sentToWaitingPage(await run(withCookie(cookie({}, 'not-the-key'))))).toBe(true);
  });

  it('refuses a cookie for another event', async () => {
    expect(sentToWaitingPage(await run(withCookie(cookie({ eventId: 'opening-2026-12' }))))).toBe(true);
  });

  it('accepts both kids during a rotation, and nothing signed with a replaced key', async () => {
    // kid b is current for new cookies; people admitted with kid a keep their place.
    const rotating = store({ [KVS_CURRENT_KID]: 'b' });
    expect(passed(await run(withCookie(cookie({ kid: 'b' }, KEY_B)), rotating))).toBe(true);
    expect(passed(await run(withCookie(cookie({ kid: 'a' }, KEY_A)), rotating))).toBe(true);
    // Once slot a holds a new key, cookies signed with the old one stop working.
    const replaced = store({ [KVS_CURRENT_KID]: 'b', [kvsSigningKey('a')]: 'C'.repeat(64) });
    expect(sentToWaitingPage(await run(withCookie(cookie({ kid: 'a' }, KEY_A)), replaced))).toBe(true);
    // A cookie naming a kid outside the two slots is refused before any key is read.
    const unknownKid = cookie().replace('v1.a.', 'v1.c.');
    const kvs = store();
    expect(sentToWaitingPage(await run(withCookie(unknownKid), kvs))).toBe(true);
    expect(kvs.reads).not.toContain('adm:key:c');
  });

  it('with the fail-open switch on, opens fail-open paths only', async () => {
    const failOpen = store({ [KVS_FAIL_OPEN]: 'on' });
    expect(passed(await run({ uri: '/api/bookings', method: 'POST' }, failOpen))).toBe(true);
    expect(sentToWaitingPage(await run({ uri: '/reserver/centre-42' }, failOpen))).toBe(true);
    expect(passed(await run(withCookie(cookie()), failOpen))).toBe(true);
  });

  it('obeys the operator override of a path class: open lets everyone in, closed nobody', async () => {
    const opened = store({ [kvsPathMode('booking-page')]: 'open' });
    expect(passed(await run({ uri: '/reserver/centre-42' }, opened))).toBe(true);
    const closed = store({ [kvsPathMode('booking-page')]: 'closed' });
    expect(sentToWaitingPage(await run(withCookie(cookie()), closed))).toBe(true);
    // The override is per class: the write path is still gated.
    expect((await run({ uri: '/api/bookings', method: 'POST' }, opened)).statusCode).toBe(429);
  });

  it('when the store cannot be read, applies each path its own failure policy', async () => {
    const down = store();
    down.unavailable = true;
    expect(passed(await run({ uri: '/api/bookings', method: 'POST' }, down))).toBe(true);
    expect(sentToWaitingPage(await run(withCookie(cookie()), down))).toBe(true);
  });

  it('does not touch the store on unprotected or waiting-room paths, even under a catch-all pattern', async () => {
    for (const uri of [
      '/waiting/index.html',
      '/waiting/waiting.js',
      '/admission/status',
      '/admission/enter',
    ]) {
      const kvs = store();
      expect(passed(await run({ uri }, kvs))).toBe(true);
      expect(kvs.reads).toEqual([]);
    }
  });

  it('matches CloudFront path patterns: the first matching class wins', async () => {
    const kvs = store({ [kvsPathMode('booking-write')]: 'open' });
    expect(passed(await run({ uri: '/api/bookings/123', method: 'POST' }, kvs))).toBe(true);
    expect(kvs.reads).toEqual([kvsPathMode('booking-write')]);
  });

  it('reads only what the decision needs, operator override first', async () => {
    const kvs = store();
    await run(withCookie(cookie()), kvs);
    expect(kvs.reads).toEqual([kvsPathMode('booking-page'), kvsSigningKey('a'), KVS_EVENT_ID]);
  });
});
