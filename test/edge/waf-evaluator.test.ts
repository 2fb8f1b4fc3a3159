import { WebAclSimulator, applyTransformation, canonicalIp, inCidr, transform } from './waf-evaluator';

// The attack tests are only as good as this model of WAF: each behaviour it relies on is pinned
// here against the AWS WAF Developer Guide's description.

describe('WAF text transformations as modelled', () => {
  it.each<[string, string, string]>([
    ['URL_DECODE', '/api/booking%73', '/api/bookings'],
    ['URL_DECODE', '/api/%2e/bookings', '/api/./bookings'],
    ['URL_DECODE', '/api/%252e', '/api/%2e'], // one pass only, as WAF
    ['NORMALIZE_PATH', '//api//bookings', '/api/bookings'],
    ['NORMALIZE_PATH', '/api/./bookings', '/api/bookings'],
    ['NORMALIZE_PATH', '/api/x/../bookings', '/api/bookings'],
    ['NORMALIZE_PATH', '/../api', '/../api'], // back-references at the beginning stay
    ['LOWERCASE', '/API/Bookings', '/api/bookings'],
  ])('%s turns %s into %s', (type, input, output) => {
    expect(applyTransformation(input, type)).toBe(output);
  });

  it('applies transformations from the lowest priority up', () => {
    const decodeThenNormalize = [
      { Priority: 1, Type: 'NORMALIZE_PATH' },
      { Priority: 0, Type: 'URL_DECODE' },
    ];
    expect(transform('/api/%2e/bookings', decodeThenNormalize)).toBe('/api/bookings');
    expect(
      transform('/api/%2e/bookings', [
        { Priority: 0, Type: 'NORMALIZE_PATH' },
        { Priority: 1, Type: 'URL_DECODE' },
      ]),
    ).toBe('/api/./bookings');
  });

  it('refuses a transformation it does not model instead of guessing', () => {
    expect(() => applyTransformation('x', 'CMD_LINE')).toThrow(/not modelled/);
  });
});

describe('addresses as modelled', () => {
  it('matches CIDR ranges in both IP versions, and never across versions', () => {
    expect(inCidr('203.0.113.9', '203.0.113.0/24')).toBe(true);
    expect(inCidr('203.0.114.9', '203.0.113.0/24')).toBe(false);
    expect(inCidr('2001:db8:4:7::1', '::/1')).toBe(true);
    expect(inCidr('fe80::1', '8000::/1')).toBe(true);
    expect(inCidr('fe80::1', '::/1')).toBe(false);
    expect(inCidr('203.0.113.9', '::/1')).toBe(false);
  });

  it('spells one IPv6 address one way', () => {
    expect(canonicalIp('2001:db8::1')).toBe(canonicalIp('2001:0db8:0:0:0:0:0:1'));
    expect(canonicalIp('2001:db8::1')).not.toBe(canonicalIp('2001:db8::2'));
  });
});

describe('rate-based rules as modelled', () => {
  const acl = (rate: Record<string, unknown>) => ({
    Acl: {
      Type: 'AWS::WAFv2::WebACL',
      Properties: {
        DefaultAction: { Allow: {} },
        Rules: [
          {
            Name: 'R',
            Priority: 0,
            Action: { Block: {} },
            Statement: { RateBasedStatement: { Limit: 2, EvaluationWindowSec: 60, ...rate } },
          },
        ],
      },
    },
  });
  const req = (at: number, cookies?: Record<string, string>) => ({
    ip: '192.0.2.1',
    method: 'GET',
    uri: '/',
    at,
    cookies,
  });

  it('blocks the request after the limit within the window, and forgets it after the window', () => {
    const sim = new WebAclSimulator(acl({ AggregateKeyType: 'IP' }), 'Acl');
    expect([0, 1, 2].map((t) => sim.evaluate(req(t)).action)).toEqual(['ALLOW', 'ALLOW', 'BLOCK']);
    expect(sim.evaluate(req(70)).action).toBe('ALLOW');
  });

  it('omits a request that lacks a custom-key part, and counts every new cookie apart', () => {
    const cookie = {
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [{ IP: {} }, { Cookie: { Name: 's', TextTransformations: [] } }],
    };
    const missing = new WebAclSimulator(acl(cookie), 'Acl');
    expect([0, 1, 2, 3].map((t) => missing.evaluate(req(t)).action)).toEqual([
      'ALLOW',
      'ALLOW',
      'ALLOW',
      'ALLOW',
    ]);
    const rotating = new WebAclSimulator(acl(cookie), 'Acl');
    expect([0, 1, 2, 3].map((t) => rotating.evaluate(req(t, { s: `v${t}` })).action)).toEqual([
      'ALLOW',
      'ALLOW',
      'ALLOW',
      'ALLOW',
    ]);
    const steady = new WebAclSimulator(acl(cookie), 'Acl');
    expect([0, 1, 2].map((t) => steady.evaluate(req(t, { s: 'same' })).action)).toEqual([
      'ALLOW',
      'ALLOW',
      'BLOCK',
    ]);
  });

  it('refuses a statement it does not model instead of guessing', () => {
    const sim = new WebAclSimulator(
      acl({ AggregateKeyType: 'IP', ScopeDownStatement: { GeoMatchStatement: {} } }),
      'Acl',
    );
    expect(() => sim.evaluate(req(0))).toThrow(/GeoMatchStatement is not modelled/);
  });
});
