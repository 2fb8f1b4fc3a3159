import { testConfig } from '../helpers/synth';
import { problemsFor } from '../helpers/config';

const rule = (r: Record<string, unknown> = {}) => ({
  name: 'PerClient',
  limit: 500,
  windowSeconds: 300,
  keys: [{ type: 'ip' }],
  action: 'block',
  ...r,
});
const bookingRules = (...rules: unknown[]) => ({ edge: { booking: { rateRules: rules } } });

describe('edge configuration defaults', () => {
  const edge = testConfig().edge;
  it('limits writes to 100 and clients to 500 per 5 minutes, keyed on address and session cookie', () => {
    expect(edge.booking.rateRules.map((r) => [r.name, r.limit, r.windowSeconds])).toEqual([
      ['BookingWrites', 100, 300],
      ['BookingWritesPerAddress', 1000, 300],
      ['PerClient', 500, 300],
      ['PerAddress', 20000, 300],
    ]);
    expect(edge.booking.rateRules[0].scopeDown).toEqual({ methods: ['POST'], pathPrefix: '/api/bookings' });
    expect(edge.booking.rateRules[1]).toMatchObject({
      keys: [{ type: 'ip' }],
      scopeDown: { methods: ['POST'], pathPrefix: '/api/bookings' },
    });
    expect(edge.booking.rateRules[2].keys).toEqual([
      { type: 'ip' },
      { type: 'cookie', name: 'rempart-session' },
    ]);
  });

  it('keeps Shield Advanced off, and starts it in count when switched on', () => {
    expect(edge.shieldAdvanced).toEqual({
      enabled: false,
      applicationLayerAction: 'count',
      proactiveEngagement: { enabled: false, contacts: [] },
    });
  });

  it('starts the managed groups that can misfire in count, and Bot Control off', () => {
    expect(edge.booking.managedGroups.common).toEqual({ enabled: true, countOnly: true });
    expect(edge.booking.managedGroups.antiDdos).toEqual({ enabled: true, countOnly: true });
    expect(edge.booking.managedGroups.knownBadInputs).toEqual({ enabled: true, countOnly: false });
    expect(edge.booking.managedGroups.botControl.enabled).toBe(false);
  });

  it('requires TLS 1.2 (2021), micro-caches reads 5 s and caches errors 10 s', () => {
    expect(edge.distribution).toMatchObject({
      minimumTlsVersion: 'TLSv1.2_2021',
      apiReadCacheSeconds: 5,
      errorCachingSeconds: 10,
    });
  });
});

describe('bad edge configuration fails with the field, the value and the fix', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'a limit below 10',
      bookingRules(rule({ limit: 5 })),
      /edge\.booking\.rateRules\.0\.limit: must be at least 10.*received 5.*Fix: use 10 or more/,
    ],
    [
      'a limit above WAF maximum',
      bookingRules(rule({ limit: 3e9 })),
      /rateRules\.0\.limit: must be at most 2000000000/,
    ],
    [
      'an unknown window',
      bookingRules(rule({ windowSeconds: 30 })),
      /rateRules\.0\.windowSeconds: must be one of WAF's evaluation windows 60, 120, 300, 600 s.*received 30/,
    ],
    ['no key', bookingRules(rule({ keys: [] })), /rateRules\.0\.keys: needs at least one key/],
    ['an unknown key type', bookingRules(rule({ keys: [{ type: 'asn2' }] })), /rateRules\.0\.keys\.0\.type/],
    [
      'an empty scope-down',
      bookingRules(rule({ scopeDown: {} })),
      /rateRules\.0\.scopeDown: is empty.*Fix: give methods, pathPrefix or both/,
    ],
    [
      'a relative scope-down path',
      bookingRules(rule({ scopeDown: { pathPrefix: 'api' } })),
      /scopeDown\.pathPrefix: must be an absolute URL path/,
    ],
    [
      'two rules with one name',
      bookingRules(rule(), rule()),
      /rateRules\.1\.name: is used by two rate rules/,
    ],
    ['no rate rule', bookingRules(), /edge\.booking\.rateRules: is empty/],
    [
      'a certificate outside us-east-1',
      { edge: { booking: { certificateArn: 'arn:aws:acm:eu-west-3:123456789012:certificate/abc-123' } } },
      /edge\.booking\.certificateArn: is not in us-east-1; CloudFront accepts certificates from us-east-1 only/,
    ],
    [
      'a certificate ARN that is not ACM',
      { edge: { ent: { certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' } } },
      /edge\.ent\.certificateArn: is not an ACM certificate ARN/,
    ],
    [
      'proactive engagement without contacts',
      { edge: { shieldAdvanced: { enabled: true, proactiveEngagement: { enabled: true, contacts: [] } } } },
      /proactiveEngagement\.contacts: is empty while proactive engagement is enabled/,
    ],
    [
      'a contact phone not in E.164',
      {
        edge: {
          shieldAdvanced: {
            proactiveEngagement: { enabled: true, contacts: [{ email: 'a@b.fr', phone: '01 23 45 67 89' }] },
          },
        },
      },
      /contacts\.0\.phone: is not an E\.164 phone number/,
    ],
    [
      'a log retention CloudWatch refuses',
      { edge: { waf: { logRetentionDays: 10 } } },
      /edge\.waf\.logRetentionDays: must be a CloudWatch Logs retention/,
    ],
    [
      'a TLS policy older than 2021',
      { edge: { distribution: { minimumTlsVersion: 'TLSv1.2_2019' } } },
      /edge\.distribution\.minimumTlsVersion/,
    ],
    [
      'a read cache of two minutes',
      { edge: { distribution: { apiReadCacheSeconds: 120 } } },
      /apiReadCacheSeconds: must be at most 60 s/,
    ],
    [
      'a retry page that is not HTML',
      { edge: { distribution: { retryPagePath: '/retry' } } },
      /retryPagePath: must be an absolute path to an \.html page/,
    ],
  ])('rejects %s', (_what, overrides, message) => {
    expect(problemsFor(overrides)).toMatch(message);
  });
});
