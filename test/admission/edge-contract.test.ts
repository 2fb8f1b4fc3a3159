import {
  ADMISSION_COOKIE_NAME,
  KVS_CURRENT_KID,
  KVS_EVENT_ID,
  KVS_FAIL_OPEN,
  admissionSetCookie,
  estimatedWaitMinutes,
  kvsPathMode,
  kvsSigningKey,
  safeNextPath,
  signAdmissionCookie,
  verifyAdmissionCookie,
  type AdmissionClaims,
} from '../../lib/constructs/admission-control/contract';
import { renderAdmissionGateCode } from '../../lib/constructs/admission-control/edge/admission-gate-code';
import {
  KeyValueStoreStandIn,
  loadCloudFrontFunction,
  viewerRequestEvent,
} from '../helpers/cloudfront-runtime';

const NOW_S = 1_800_000_000;
const KEYS = { a: 'k'.repeat(64), b: 'K'.repeat(64) };
const EVENT = 'opening';
const claims: AdmissionClaims = {
  kid: 'a',
  eventId: EVENT,
  expiresEpochSeconds: NOW_S + 60,
  admissionId: 'tkt_1',
};

describe('signAdmissionCookie / verifyAdmissionCookie (the origin side of the contract)', () => {
  it('round-trips and names every refusal', () => {
    const value = signAdmissionCookie(claims, KEYS.a);
    expect(value).toMatch(/^v1\.a\.opening\.1800000060\.tkt_1\.[A-Za-z0-9_-]{43}$/);
    expect(verifyAdmissionCookie(value, KEYS, EVENT, NOW_S)).toEqual({ ok: true, claims });
    expect(verifyAdmissionCookie(value, KEYS, EVENT, NOW_S + 60)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAdmissionCookie(value, KEYS, 'other', NOW_S)).toEqual({ ok: false, reason: 'wrong-event' });
    expect(verifyAdmissionCookie(value, { b: KEYS.b }, EVENT, NOW_S)).toEqual({
      ok: false,
      reason: 'unknown-kid',
    });
    expect(verifyAdmissionCookie(value.replace('tkt_1', 'tkt_2'), KEYS, EVENT, NOW_S)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyAdmissionCookie('v2.a.b.c.d.e', KEYS, EVENT, NOW_S)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    const long = signAdmissionCookie({ ...claims, expiresEpochSeconds: NOW_S + 5 * 3600 }, KEYS.a);
    expect(verifyAdmissionCookie(long, KEYS, EVENT, NOW_S)).toEqual({ ok: false, reason: 'too-long' });
  });

  it('refuses to sign claims the edge could never accept, naming the field', () => {
    expect(() => signAdmissionCookie({ ...claims, eventId: 'has.dot' }, KEYS.a)).toThrow(
      /eventId is "has.dot"/,
    );
    expect(() => signAdmissionCookie({ ...claims, kid: 'z' as 'a' }, KEYS.a)).toThrow(/kid is "z"/);
    expect(() => signAdmissionCookie({ ...claims, expiresEpochSeconds: 1.5 }, KEYS.a)).toThrow(
      /expiresEpochSeconds/,
    );
    expect(() => signAdmissionCookie(claims, '')).toThrow(/key is empty/);
  });

  it('sets the cookie Secure, HttpOnly, host-only (__Host-), for the whole site', () => {
    expect(admissionSetCookie('v', 600)).toBe(
      `${ADMISSION_COOKIE_NAME}=v; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Lax`,
    );
    expect(ADMISSION_COOKIE_NAME.startsWith('__Host-')).toBe(true);
  });

  it('follows only same-site paths after admission', () => {
    expect(safeNextPath('/reserver/42?x=1')).toBe('/reserver/42?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', '', null, undefined]) {
      expect(safeNextPath(bad)).toBe('/');
    }
  });

  it('estimates the wait from the cursor pace', () => {
    expect(estimatedWaitMinutes(1000, { nowServing: 400, admittedPerMinute: 200 })).toBe(3);
    expect(estimatedWaitMinutes(401, { nowServing: 400, admittedPerMinute: 200 })).toBe(1);
    expect(estimatedWaitMinutes(300, { nowServing: 400, admittedPerMinute: 200 })).toBe(0);
    expect(estimatedWaitMinutes(1000, { nowServing: 400, admittedPerMinute: 0 })).toBeNull();
  });
});

describe('the edge function and the reference verification agree', () => {
  const fn = loadCloudFrontFunction(
    renderAdmissionGateCode({
      retryAfterSeconds: 5,
      paths: [{ pathPattern: '/p/*', pathClass: 'page', onFailure: 'closed' }],
    }),
    {
      kvs: new KeyValueStoreStandIn({
        [kvsSigningKey('a')]: KEYS.a,
        [kvsSigningKey('b')]: KEYS.b,
        [KVS_CURRENT_KID]: 'a',
        [KVS_EVENT_ID]: EVENT,
        [KVS_FAIL_OPEN]: 'off',
        [kvsPathMode('page')]: 'gate',
      }),
      nowMs: () => NOW_S * 1000,
    },
  );

  // Mutations of a valid cookie, one character at a time, plus claim changes: same verdict both sides.
  const valid = signAdmissionCookie(claims, KEYS.a);
  const variants = [
    valid,
    signAdmissionCookie({ ...claims, kid: 'b' }, KEYS.b),
    signAdmissionCookie({ ...claims, expiresEpochSeconds: NOW_S }, KEYS.a),
    signAdmissionCookie({ ...claims, eventId: 'x' }, KEYS.a),
    ...Array.from(
      { length: valid.length },
      (_, i) => valid.slice(0, i) + (valid[i] === 'Q' ? 'R' : 'Q') + valid.slice(i + 1),
    ),
  ];

  it.each(variants.map((v, i) => [i, v]))('variant %i', async (_i, value) => {
    const reference = verifyAdmissionCookie(value, KEYS, EVENT, NOW_S).ok;
    const answer = (await fn.handler(
      viewerRequestEvent({ uri: '/p/1', cookies: { [ADMISSION_COOKIE_NAME]: value } }),
    )) as { statusCode?: number };
    expect(answer.statusCode === undefined).toBe(reference);
  });
});
