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
  it('limits booking writes to 100 per client and requests to 500 per 5 minutes, floors included', () => {
    const limits = edge.booking.clientLimits;
    expect(limits.limits.map((l) => [l.name, l.limit, l.windowSeconds, l.clientsPerFingerprint])).toEqual([
      ['BookingWrites', 100, 300, 1],
      ['AllRequests', 500, 300, undefined],
    ]);
    expect(limits.limits[0].scope).toEqual({
      methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
      pathPrefixes: ['/api/bookings'],
    });
    expect(limits.sessionCookie).toBe('rempart-session');
    expect(limits.peoplePerSharedAddress).toBe(40);
  });

  it('covers every write method on the ENT, with a fingerprint floor sized for a class on identical devices', () => {
    const [writes] = edge.ent.clientLimits.limits;
    expect(writes.scope).toEqual({ methods: ['POST', 'PUT', 'PATCH', 'DELETE'] });
    expect(writes.clientsPerFingerprint).toBe(10);
  });

  it('keeps Shield Advanced off, and starts it in count when switched on', () => {
    expect(edge.shieldAdvanced).toEqual({
      enabled: false,
      applicationLayerAction: 'count',
      proactiveEngagement: { enabled: false, contacts: [] },
    });
  });

  it('blocks with Anti-DDoS, Common, known bad inputs, IP reputation and anonymous IPs; Bot Control off for cost', () => {
    for (const w of [edge.booking, edge.ent]) {
      for (const g of ['antiDdos', 'common', 'knownBadInputs', 'ipReputation', 'anonymousIp'] as const) {
        expect([g, w.managedGroups[g].enabled, w.managedGroups[g].countOnly]).toEqual([g, true, false]);
      }
      expect(w.managedGroups.anonymousIp.countRules).toEqual(['AnonymousIPList']);
      expect(w.managedGroups.botControl).toMatchObject({ enabled: false, inspectionLevel: 'COMMON' });
    }
    expect(edge.ent.managedGroups.common.countRules).toEqual([
      'SizeRestrictions_BODY',
      'CrossSiteScripting_BODY',
    ]);
  });

  it('answers booking write bodies above 8 KB with 413 at the edge', () => {
    expect(edge.booking.bodySizeLimit).toEqual({
      maxBytes: 8192,
      scope: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], pathPrefixes: ['/api/'] },
    });
  });

  it('keeps security logs a year and rotates the origin secret every 30 days', () => {
    expect(edge.waf.logRetentionDays).toBe(365);
    expect(edge.originVerify).toMatchObject({
      rotationDays: 30,
      replicaKeyAlias: 'alias/rempart/origin-secret-replicas',
    });
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
      /rateRules\.0\.scopeDown: is empty.*Fix: give methods, pathPrefixes or both/,
    ],
    [
      'a relative scope-down path',
      bookingRules(rule({ scopeDown: { pathPrefixes: ['api'] } })),
      /scopeDown\.pathPrefixes\.0: must be an absolute, lower-case URL path/,
    ],
    [
      'an upper-case scope-down path (paths are compared lower-cased)',
      bookingRules(rule({ scopeDown: { pathPrefixes: ['/API/'] } })),
      /pathPrefixes\.0: must be an absolute, lower-case URL path/,
    ],
    [
      'an extra rule named like a client-limit rule',
      bookingRules(rule({ name: 'BookingWritesPerAddress' })),
      /edge\.booking: rate rule "BookingWritesPerAddress": name is used twice/,
    ],
    [
      'more rate rules than a web ACL holds',
      bookingRules(rule({ name: 'A' }), rule({ name: 'B' }), rule({ name: 'C' }), rule({ name: 'D' })),
      /edge\.booking: the client limits and rate rules make 11 rate-based rules; AWS WAF allows 10/,
    ],
    [
      'no client limit',
      { edge: { booking: { clientLimits: { limits: [] } } } },
      /edge\.booking\.clientLimits\.limits: is empty/,
    ],
    [
      'a shared range that is not CIDR',
      { edge: { ent: { clientLimits: { sharedAddresses: { ipv4: ['10.0.0.300/24'], ipv6: [] } } } } },
      /edge\.ent\.clientLimits\.sharedAddresses\.ipv4\.0: is not an IPv4 CIDR range/,
    ],
    [
      'a body limit beyond what WAF inspects',
      { edge: { booking: { bodySizeLimit: { maxBytes: 20000 } } } },
      /edge\.booking\.bodySizeLimit\.maxBytes: must be below 16384/,
    ],
    [
      'an exclusion that is not a rule name',
      { edge: { booking: { managedGroups: { common: { countRules: ['not a rule'] } } } } },
      /managedGroups\.common\.countRules\.0: is not a rule name/,
    ],
    [
      'a replica on the AWS-managed key',
      { edge: { originVerify: { replicaKeyAlias: 'alias/aws/secretsmanager' } } },
      /edge\.originVerify\.replicaKeyAlias: is an AWS-managed key alias/,
    ],
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
      { edge: { waf: { logRetentionDays: 500 } } },
      /edge\.waf\.logRetentionDays: must be a CloudWatch Logs retention of at least 365 days/,
    ],
    [
      'security logs kept less than a year',
      { edge: { waf: { logRetentionDays: 30 } } },
      /edge\.waf\.logRetentionDays: .*at least 365 days: French rules on connection data \(LCEN, décret 2021-1362\)/,
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
