import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EdgeFirewall } from '../../lib/constructs/edge-firewall/edge-firewall';
import { testConfig, testStack } from '../helpers/synth';
import { edgeApp } from './fixtures';
import { WebAclSimulator, type Verdict, type WafRequest } from './waf-evaluator';

// Attack traffic replayed against the web ACLs Rempart synthesizes: the booking ACL of the real
// EdgeStack (defaults, then with a declared school range), the ENT ACL from its configuration, and
// a Region's origin guard. Each claim below fails if the rule that holds it is removed or weakened.

type Resources = Record<string, Record<string, unknown>>;
const resourcesOf = (t: Template) => t.toJSON().Resources as Resources;

const booking = edgeApp();
const bookingResources = resourcesOf(Template.fromStack(booking.edge));
const declaredSchool = edgeApp({
  edge: { booking: { clientLimits: { sharedAddresses: { ipv4: ['203.0.113.0/24'], ipv6: [] } } } },
});
const declaredResources = resourcesOf(Template.fromStack(declaredSchool.edge));

function simulator(resources: Resources, options = {}): WebAclSimulator {
  const [acl] = WebAclSimulator.webAcls(resources);
  return new WebAclSimulator(resources, acl, options);
}

const ATTACKER = '198.51.100.7';
const CHROME = 't13d1516h2_8daaf6152771_b0da82dd1658';
const write = (r: Partial<WafRequest> & { at: number }): WafRequest => ({
  ip: ATTACKER,
  method: 'POST',
  uri: '/api/bookings',
  ja4: CHROME,
  bodyBytes: 300,
  ...r,
});

/** Twenty requests a second: thousands of them still fit in one 5-minute window. */
const STEP = 0.05;

/** Replays `count` requests, STEP seconds apart; returns the verdicts. */
function replay(sim: WebAclSimulator, count: number, make: (i: number) => Partial<WafRequest>): Verdict[] {
  return Array.from({ length: count }, (_, i) => sim.evaluate(write({ at: i * STEP, ...make(i) })));
}

const firstBlocked = (verdicts: readonly Verdict[]) => verdicts.findIndex((v) => v.action === 'BLOCK');

describe('booking writes: the per-client limit (100 per 5 minutes) holds whatever the client does with cookies', () => {
  const limit = booking.config.edge.booking.clientLimits.limits[0].limit;

  it.each<[string, (i: number) => Partial<WafRequest>]>([
    ['sends no cookie', () => ({})],
    ['sends a new cookie each time', (i) => ({ cookies: { 'rempart-session': `forged-${i}` } })],
    ['keeps its cookie', () => ({ cookies: { 'rempart-session': 'abc' } })],
  ])('blocks a client that %s once it passes the limit, with 429', (_what, make) => {
    const verdicts = replay(simulator(bookingResources), limit + 20, make);
    expect(firstBlocked(verdicts)).toBe(limit);
    expect(verdicts.slice(limit).every((v) => v.status === 429)).toBe(true);
  });

  it('counts encoded, dotted, doubled and upper-case spellings of the write path as the same writes', () => {
    const spellings = [
      '/api/booking%73',
      '/api/./bookings',
      '//api//bookings',
      '/API/BOOKINGS',
      '/api/x/../bookings',
      '/api/bookings',
    ];
    const verdicts = replay(simulator(bookingResources), limit + 5, (i) => ({
      uri: spellings[i % spellings.length],
      cookies: { 'rempart-session': `forged-${i}` },
    }));
    expect(firstBlocked(verdicts)).toBe(limit);
    expect(verdicts[limit].rule).toMatch(/^BookingWrites/);
  });

  it.each(['/api/booking%73', '/api/./bookings', '/API/BOOKINGS', '/api/%62ookings/'])(
    'counts %s on its own',
    (uri) => {
      const verdicts = replay(simulator(bookingResources), limit + 1, () => ({ uri }));
      expect(verdicts[limit]).toMatchObject({ action: 'BLOCK', status: 429 });
    },
  );

  it('covers PUT, PATCH and DELETE as writes', () => {
    const methods = ['PUT', 'PATCH', 'DELETE', 'POST'];
    const verdicts = replay(simulator(bookingResources), limit + 1, (i) => ({ method: methods[i % 4] }));
    expect(verdicts[limit].action).toBe('BLOCK');
  });

  it('does not count reads against the write limit', () => {
    const verdicts = replay(simulator(bookingResources), limit + 50, () => ({
      method: 'GET',
      uri: '/api/centres',
    }));
    expect(verdicts.every((v) => v.action === 'ALLOW')).toBe(true);
  });

  it('lets the client write again once the 5-minute window has passed', () => {
    const sim = simulator(bookingResources);
    replay(sim, limit + 1, () => ({}));
    expect(sim.evaluate(write({ at: limit * STEP + 301 })).action).toBe('ALLOW');
  });

  it('holds an IPv4 client that also rotates its TLS fingerprint at the per-address floor, sized for a care home', () => {
    const perAddress = limit * booking.config.edge.booking.clientLimits.peoplePerSharedAddress;
    const sim = simulator(bookingResources);
    const verdicts = Array.from({ length: perAddress + 1 }, (_, i) =>
      sim.evaluate(write({ at: i * STEP, ja4: `fp-${i}`, cookies: { 'rempart-session': `c-${i}` } })),
    );
    expect(firstBlocked(verdicts)).toBe(perAddress);
    expect(verdicts[perAddress].rule).toBe('BookingWritesPerAddress');
  });

  it('holds the same client on IPv6 at the per-client limit: an IPv6 address gets no NAT allowance', () => {
    const verdicts = replay(simulator(bookingResources), limit + 1, (i) => ({
      ip: '2001:db8:4:7::1',
      ja4: `fp-${i}`,
      cookies: { 'rempart-session': `c-${i}` },
    }));
    expect(firstBlocked(verdicts)).toBe(limit);
    expect(verdicts[limit].rule).toBe('BookingWritesPerIpv6Address');
  });

  it('counts one IPv6 address whatever its spelling', () => {
    const spellings = ['2001:db8:4:7::1', '2001:0db8:0004:0007:0000:0000:0000:0001', '2001:DB8:4:7:0:0:0:1'];
    const verdicts = replay(simulator(bookingResources), limit + 1, (i) => ({
      ip: spellings[i % 3].toLowerCase(),
      ja4: `fp-${i}`,
    }));
    expect(verdicts[limit].action).toBe('BLOCK');
  });
});

describe('people behind one shared address', () => {
  const limit = booking.config.edge.booking.clientLimits.limits[0].limit;
  const people = (sim: WebAclSimulator, ip: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      sim.evaluate(write({ at: i * STEP, ip, cookies: { 'rempart-session': `person-${i}` } })),
    );

  it('counts people on a declared school or care-home range apart (one browser build, one write each)', () => {
    const verdicts = people(simulator(declaredResources), '203.0.113.9', 3 * limit);
    expect(verdicts.every((v) => v.action === 'ALLOW')).toBe(true);
  });

  it('still holds each person there to the per-client limit through the session cookie', () => {
    const sim = simulator(declaredResources);
    const verdicts = replay(sim, limit + 1, () => ({
      ip: '203.0.113.9',
      cookies: { 'rempart-session': 'one' },
    }));
    expect(verdicts[limit]).toMatchObject({ action: 'BLOCK', rule: 'BookingWrites' });
  });

  it('holds a cookie-rotating client on a declared range at the per-address floor', () => {
    const perAddress = limit * booking.config.edge.booking.clientLimits.peoplePerSharedAddress;
    const verdicts = people(simulator(declaredResources), '203.0.113.9', perAddress + 1);
    expect(firstBlocked(verdicts)).toBe(perAddress);
  });

  it('shares the per-client limit among people with one browser build on an undeclared address (why ranges are declared)', () => {
    const verdicts = people(simulator(bookingResources), '192.0.2.50', limit + 1);
    expect(firstBlocked(verdicts)).toBe(limit);
  });
});

describe('request bodies at the edge', () => {
  const maxBytes = booking.config.edge.booking.bodySizeLimit?.maxBytes ?? 0;
  it.each<[string, number, number]>([
    ['a booking', 400, 200],
    ['a body at the limit', maxBytes, 200],
    ['a body one byte over', maxBytes + 1, 413],
    ['a body past what WAF inspects (16 KB)', 200_000, 413],
  ])('answers %s with %#', (_what, bodyBytes, status) => {
    expect(simulator(bookingResources).evaluate(write({ at: 0, bodyBytes })).status).toBe(status);
  });

  it('relies on OversizeHandling MATCH: judged on the part WAF inspects, a longer body would pass', () => {
    const continued = JSON.parse(
      JSON.stringify(bookingResources).replaceAll(
        '"OversizeHandling":"MATCH"',
        '"OversizeHandling":"CONTINUE"',
      ),
    ) as Resources;
    // A web ACL that inspects exactly maxBytes: only the oversize handling can tell a longer body.
    const options = { bodyInspectionBytes: maxBytes };
    const huge = write({ at: 0, bodyBytes: 200_000 });
    expect(simulator(continued, options).evaluate(huge).status).toBe(200);
    expect(simulator(bookingResources, options).evaluate(huge).status).toBe(413);
  });
});

describe('ENT writes', () => {
  const config = testConfig();
  const stack = testStack('us-east-1');
  new EdgeFirewall(stack, 'Firewall', {
    scope: 'CLOUDFRONT',
    clientLimits: config.edge.ent.clientLimits,
    rateRules: config.edge.ent.rateRules,
    managedGroups: config.edge.ent.managedGroups,
    logging: { encryptionKey: new kms.Key(stack, 'Key') },
  });
  const resources = resourcesOf(Template.fromStack(stack));
  const ent = config.edge.ent.clientLimits.limits[0];

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('counts %s floods from one session', (method) => {
    const verdicts = replay(simulator(resources), ent.limit + 1, () => ({
      method,
      uri: '/messages/42',
      cookies: { 'rempart-session': 'pupil' },
    }));
    expect(verdicts[ent.limit]).toMatchObject({ action: 'BLOCK', status: 429, rule: 'EntWrites' });
  });
});

describe('origin guard of a Region (REGIONAL web ACL)', () => {
  const stack = booking.regions[0].stack;
  const resources = resourcesOf(Template.fromStack(stack));
  const origin = booking.regions[0].origin;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const secrets = { [id(origin.secret)]: 'current-value', [id(origin.previousSecret)]: 'previous-value' };
  const guard = () => new WebAclSimulator(resources, stack.getLogicalId(origin.firewall.webAcl), { secrets });
  const call = (value?: string) =>
    guard().evaluate({
      ip: '130.176.0.1',
      method: 'GET',
      uri: '/api/centres',
      headers: value === undefined ? {} : { [origin.headerName]: value },
      at: 0,
    });

  it('accepts both the current and the previous secret, so a rotation never refuses CloudFront', () => {
    expect(call('current-value').action).toBe('ALLOW');
    expect(call('previous-value').action).toBe('ALLOW');
  });

  it('refuses any other value, and requests without the header', () => {
    expect(call('guessed')).toMatchObject({
      action: 'BLOCK',
      status: 403,
      rule: 'RejectWithoutOriginHeader',
    });
    expect(call()).toMatchObject({ action: 'BLOCK', status: 403 });
  });
});

describe('the simulator sees the holes the issue found', () => {
  it('lets a cookie-less flood through a web ACL whose only write rule is keyed on a cookie', () => {
    const stack = testStack('us-east-1');
    new EdgeFirewall(stack, 'Firewall', {
      scope: 'CLOUDFRONT',
      rateRules: [
        {
          name: 'Writes',
          limit: 100,
          windowSeconds: 300,
          keys: [{ type: 'ip' }, { type: 'cookie', name: 'rempart-session' }],
          scopeDown: { methods: ['POST'], pathPrefixes: ['/api/bookings'] },
          action: 'block',
        },
      ],
      logging: { encryptionKey: new kms.Key(stack, 'Key') },
    });
    const verdicts = replay(simulator(resourcesOf(Template.fromStack(stack))), 500, () => ({}));
    expect(verdicts.every((v) => v.action === 'ALLOW')).toBe(true);
  });
});
